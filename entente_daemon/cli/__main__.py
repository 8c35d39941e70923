"""``python -m entente_daemon.cli``: the same as the ``entente`` command."""

from entente_daemon.cli.main import main

main()
