"""State handlers named in settings or on the command line (``package.module:attr``),
imported from the provider's project: what ``entente verify`` and the pytest plugin share.

The project's folder is put first on the module path for that import only (so its own
``states`` module wins over an installed one of that name), then moved to the end: a module
of the project named like one of the standard library (a ``json.py``) never shadows it for
the rest of the run, while the handlers' own later imports of project modules still work.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from entente_daemon.verify.provider import VerifyError


@contextmanager
def importable_first(folders: list[str]) -> Iterator[None]:
    """``folders`` first on ``sys.path`` inside the block; after it, at its end (once)."""
    wanted = list(dict.fromkeys(folders))
    for folder in reversed(wanted):
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        for folder in wanted:
            sys.path.remove(folder)  # the first occurrence: the one put there above
            if folder not in sys.path:
                sys.path.append(folder)


def load_object(reference: str, what: str, root: Path | None = None) -> Any:
    """``package.module:attr`` imported, with the project's ``root`` and the current folder
    importable first for this import (and last afterwards)."""
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise VerifyError(f"{what} must be given as module:attribute, not {reference!r}")
    folders = [str(root)] if root else []
    folders.append(str(Path.cwd()))
    try:
        with importable_first(folders):
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise VerifyError(f"{what} {reference!r}: cannot import {module_name!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise VerifyError(f"{what} {reference!r}: {module_name} has no {attr!r}") from None


def load_state_handlers(
    reference: str, root: Path | None = None, what: str = "--state-handlers"
) -> Mapping[str, Callable[..., Any]]:
    """A mapping of handlers, or a callable that returns one."""
    found = load_object(reference, what, root)
    if callable(found) and not isinstance(found, Mapping):
        found = found()
    if not isinstance(found, Mapping):
        raise VerifyError(
            f"{what} {reference!r} is a {type(found).__name__}; it must be a dict "
            "of operationId or state name → handler (or a function returning one)"
        )
    return found
