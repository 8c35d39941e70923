"""State handlers named in settings or on the command line (``package.module:attr``),
imported from the provider's project: what ``entente verify`` and the pytest plugin share."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from entente_daemon.verify.provider import VerifyError


def load_object(reference: str, what: str, root: Path | None = None) -> Any:
    """``package.module:attr`` imported, with the current folder and the project's ``root``
    importable first."""
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise VerifyError(f"{what} must be given as module:attribute, not {reference!r}")
    for folder in (str(root) if root else None, str(Path.cwd())):
        if folder is not None and folder not in sys.path:
            sys.path.insert(0, folder)
    try:
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
