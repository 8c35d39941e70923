"""The pytest plugin (entry point ``pytest11``): Entente's fixtures for consumer and provider
tests. It imports nothing heavy until a fixture is used, so that it costs nothing in test
suites that do not use Entente."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from entente_daemon.config import ProjectConfig


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("entente", "Entente contract testing")
    group.addoption(
        "--entente-project",
        default=None,
        help="folder (or config file) of the Entente project; default: search from rootdir",
    )


@pytest.fixture(scope="session")
def entente_project(request: pytest.FixtureRequest) -> ProjectConfig:
    """This test session's Entente project configuration (``entente.toml``)."""
    from pathlib import Path

    from entente_daemon.config import load_project_config

    option = request.config.getoption("--entente-project")
    start = Path(option) if option else request.config.rootpath
    return load_project_config(start)
