"""Start a program detached from us: ``python -m entente_daemon.daemon.process.launch LOG -- ARGV``.

The classic double fork, done with two processes: this launcher starts the program in a new
session, with stdin from /dev/null and stdout/stderr appended to LOG, prints its pid and
exits. The program is then nobody's child (its parent is init), so a long-lived caller (the
TUI) never collects a zombie when the daemon exits.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(
            "usage: python -m entente_daemon.daemon.process.launch LOG -- PROGRAM [ARGS...]",
            file=sys.stderr,
        )
        return 2
    log_file, command = argv[0], argv[2:]
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with open(os.devnull, "rb") as devnull:
        child = subprocess.Popen(
            command,
            stdin=devnull,
            stdout=fd,
            stderr=fd,
            start_new_session=True,
            close_fds=True,
        )
    os.close(fd)
    print(child.pid, flush=True)
    os._exit(0)  # leave the child running; no Popen bookkeeping on the way out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
