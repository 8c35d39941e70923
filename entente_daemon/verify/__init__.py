"""Provider verification: replay recorded interactions against a real provider, with state
handlers, and compare each answer (`entente_daemon.compare`, the pure core)."""
