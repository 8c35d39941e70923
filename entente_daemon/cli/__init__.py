"""Command-line interfaces: ``entente`` and ``entente-daemon``."""
