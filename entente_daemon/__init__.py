"""Entente's daemon side: spec loading, the store, mocks, verification and the CLI."""

__version__ = "0.1.0"
