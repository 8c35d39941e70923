"""Entente's daemon side: spec loading, the store, mocks, verification and the CLI.

The public Python API is importable from here::

    from entente_daemon import create_client, create_provider

    client = create_client()                    # a consumer project's mocks, recording
    report = create_provider().verify(url)      # a provider project's verification

Importing the package stays light: each name loads its module when first used (a module
``__getattr__``), so ``from entente_daemon import __version__``, which the daemon's client
does, loads nothing else. The modules are named as text, not imported, because everything
below imports this package: a static import here would make the client (and the TUI) stand
on the consumer library, against the layers in pyproject.toml. ``__init__.pyi`` gives type
checkers the same names with their types.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Each public name → the module defining it.
_EXPORTS = {
    "create_client": "entente_daemon.consumer.client",
    "EntenteClient": "entente_daemon.consumer.client",
    "Mock": "entente_daemon.consumer.mock",
    "create_provider": "entente_daemon.verify.provider",
    "Provider": "entente_daemon.verify.provider",
    "VerificationReport": "entente_daemon.verify.provider",
    "VerifyError": "entente_daemon.verify.provider",
    "load_project_config": "entente_daemon.config",
    "ProjectConfig": "entente_daemon.config",
    "EntenteError": "entente_daemon.errors",
    "ConfigError": "entente_daemon.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
