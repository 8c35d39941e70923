"""Which files a spec's ``$ref`` may read: those in the spec's own folder tree, plus the
folders the caller allows (the project's root, the project's ``[spec] allow_refs_outside``).

Without this a ``$ref`` could read any file the user can: ``/etc/passwd`` would be parsed,
its first lines quoted in a YAML error, and an example ``$ref``'d from there served by the
mock. Paths are compared after following symbolic links (a link in the spec's folder to a
file elsewhere is outside); the refused file is never opened, nor is its existence checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from entente_daemon.openapi.errors import display_path

#: Where a user allows more (said in every refusal).
ALLOW_HINT = "to allow it, list its folder under [spec] allow_refs_outside in entente.toml"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


class RefRoots:
    """The folders refs may reach: ``spec_folder`` and ``extra`` (each with its subfolders)."""

    def __init__(self, spec_folder: Path, extra: Iterable[Path] = ()) -> None:
        self.spec_folder = spec_folder
        self.folders = tuple(dict.fromkeys(_real(p) for p in (spec_folder, *extra)))

    def allows(self, file: Path) -> bool:
        real = _real(file)
        return any(real == folder or folder in real.parents for folder in self.folders)

    def refusal(self, file: Path) -> str | None:
        """None when ``file`` may be read, else why not (for the error message)."""
        if self.allows(file):
            return None
        return (
            f"{display_path(file)} is outside the spec's folder "
            f"{display_path(self.spec_folder)}{self._others()}; {ALLOW_HINT}"
        )

    def _others(self) -> str:
        spec_real = _real(self.spec_folder)
        others = [display_path(f) for f in self.folders if f != spec_real]
        return f" and the allowed folders ({', '.join(others)})" if others else ""
