"""The pytest plugin (entry point ``pytest11``): Entente's fixtures for consumer and provider
tests. It imports nothing heavy until a fixture is used, so that it costs nothing in test
suites that do not use Entente.

Consumer fixtures:

* ``entente_project``: the project's configuration (``entente.toml``);
* ``entente_client``: an `EntenteClient` for the session, recording on;
* ``entente_mock``: a factory, ``entente_mock("castle-service", local_fixtures=...)``, giving
  a started mock of a configured provider. Mocks are shared by the whole session (the same
  arguments give the same mock) and closed at its end, which uploads what they recorded;
* ``entente_mocks``: every configured provider's mock, by name.

Every interaction a mock records carries the pytest node id of the test that made it and the
session's run id (``ENTENTE_RUN_ID`` when a runner set it, else a new one per session).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from entente_daemon.config import ProjectConfig
    from entente_daemon.consumer import EntenteClient, Mock

RUN_ID_ENV = "ENTENTE_RUN_ID"
_CONTEXT_MODULE = "entente_daemon.record.context"


class _Session:
    """The plugin's per-process state: nothing is imported or set until a fixture asks."""

    def __init__(self) -> None:
        self.active = False  # an Entente consumer fixture is in use
        self.current_test: str | None = None
        self.run_id = ""
        self.summary: list[str] = []

    def context(self) -> Any:
        """The process-wide recording context, once active (None otherwise)."""
        module = sys.modules.get(_CONTEXT_MODULE)
        if not self.active or module is None:
            return None
        return module.recording_context()

    def activate(self, config: pytest.Config) -> None:
        """Start attributing recordings: one run id for the session (the runner's, or the
        one pytest-xdist shares between its workers, else a new one)."""
        from entente_daemon.record.context import recording_context

        worker: Mapping[str, Any] = getattr(config, "workerinput", {})
        self.run_id = os.environ.get(RUN_ID_ENV) or worker.get("testrunuid") or uuid.uuid4().hex
        self.active = True
        recording_context().set(self.current_test, self.run_id)


_session = _Session()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("entente", "Entente contract testing")
    group.addoption(
        "--entente-project",
        default=None,
        help="folder (or config file) of the Entente project; default: search from rootdir",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _session.current_test = item.nodeid
    context = _session.context()
    if context is not None:
        context.set_test(item.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    # the test's fixtures tear down (and may still call a mock) before attribution ends
    try:
        return (yield)
    finally:
        _session.current_test = None
        context = _session.context()
        if context is not None:
            context.set_test(None)


@pytest.fixture(scope="session")
def entente_project(request: pytest.FixtureRequest) -> ProjectConfig:
    """This test session's Entente project configuration (``entente.toml``)."""
    from pathlib import Path

    from entente_daemon.config import load_project_config

    option = request.config.getoption("--entente-project")
    start = Path(option) if option else request.config.rootpath
    return load_project_config(start)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the session's recordings went (only when Entente's fixtures were used)."""
    if _session.summary:
        terminalreporter.write_sep("-", "entente")
        for line in _session.summary:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def entente_client(
    request: pytest.FixtureRequest, entente_project: ProjectConfig
) -> Iterator[EntenteClient]:
    """The session's consumer client: recording on, interactions attributed to tests."""
    from entente_daemon.consumer import EntenteClient

    _session.activate(request.config)
    client = EntenteClient(entente_project, recording=True, run_id=_session.run_id)
    try:
        yield client
    finally:
        try:
            client.close()
        finally:
            _session.summary.extend(
                f"{client.consumer}: {message}"
                for result in client.uploads
                for message in (*result.messages, *filter(None, [result.broker_error]))
            )


@pytest.fixture(scope="session")
def entente_mock(entente_client: EntenteClient) -> Callable[..., Mock]:
    """``entente_mock(provider, version=None, **options)``: a started mock of a configured
    provider, shared by the session (same arguments, same mock), closed at its end."""
    from entente_daemon.model import canonical_json

    mocks: dict[str, Mock] = {}

    def factory(provider: str, version: str | None = None, **options: Any) -> Mock:
        key = canonical_json([provider, version, _keyable(options)])
        if key not in mocks:
            mocks[key] = entente_client.create_mock(provider, version, **options)
        return mocks[key]

    return factory


@pytest.fixture(scope="session")
def entente_mocks(
    entente_project: ProjectConfig, entente_mock: Callable[..., Mock]
) -> Mapping[str, Mock]:
    """Every configured provider's mock (default options), by provider name."""
    return {provider.name: entente_mock(provider.name) for provider in entente_project.providers}


def _keyable(value: Any) -> Any:
    """Options as JSON for the reuse key (fixtures as their JSON, paths as text)."""
    if isinstance(value, Mapping):
        return {str(k): _keyable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_keyable(v) for v in value]
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    return value if isinstance(value, str | int | float | bool | None) else str(value)
