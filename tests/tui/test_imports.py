"""The TUI reaches the daemon only through its client: importing every module of the TUI
loads, of entente_daemon, the client package and the small modules it stands on, never the
daemon's server code, the store, the mocks."""

from __future__ import annotations

from tests.test_boundaries import loaded_modules

#: Besides the client package itself: what the client stands on.
UNDER_THE_CLIENT = {
    "entente_daemon",
    "entente_daemon.errors",
    "entente_daemon.home",
    "entente_daemon.model",
    "entente_daemon.pidlock",
}


def beside_the_client(package: str) -> set[str]:
    """The entente_daemon modules outside the client package that importing ``package``
    (all its modules) loads."""
    return {
        name
        for name in loaded_modules(package)
        if name.split(".")[0] == "entente_daemon" and not name.startswith("entente_daemon.client")
    }


def test_the_client_loads_no_server_code() -> None:
    assert beside_the_client("entente_daemon.client") == UNDER_THE_CLIENT


def test_the_tui_loads_the_client_and_what_it_stands_on() -> None:
    assert beside_the_client("entente_tui") <= UNDER_THE_CLIENT
