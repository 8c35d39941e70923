"""Entente's terminal UI. It talks to the daemon only; it never opens the store."""
