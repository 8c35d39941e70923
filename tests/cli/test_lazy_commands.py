"""``entente`` loads a command's module only when that command runs.

The probes run in a child process: nothing in the suite imports the CLI (an import contract).
"""

from __future__ import annotations

import json
import subprocess
import sys


def probe(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip().splitlines()[-1]


def test_each_listed_command_loads_under_its_own_name() -> None:
    loaded = json.loads(
        probe(
            "import json, click\n"
            "from entente_daemon.cli.main import COMMANDS, cli\n"
            "ctx = click.Context(cli)\n"
            "print(json.dumps({n: getattr(cli.get_command(ctx, n), 'name', None)"
            " for n in COMMANDS}))\n"
        )
    )
    assert len(loaded) > 20
    assert {name: name for name in loaded} == loaded


def test_running_one_command_does_not_import_the_others() -> None:
    loaded = probe(
        "import sys\n"
        "from entente_daemon.cli.main import main\n"
        "try:\n"
        "    main(['spec', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('entente_daemon.cli.')))\n"
    )
    assert "entente_daemon.cli.spec_commands" in loaded
    for other in ("deploy_commands", "mock_command", "verify_commands", "store_commands"):
        assert f"entente_daemon.cli.{other}" not in loaded
