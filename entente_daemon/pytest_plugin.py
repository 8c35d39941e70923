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

Provider fixtures:

* ``entente_provider``: the `Provider` the project provides (its ``[provider]`` table);
* ``entente_verify``: ``entente_verify(base_url, state_handlers=None, **options)`` replays
  what consumers recorded against that provider, running at ``base_url``, and fails the test
  with the report's summary (each mismatch with its JSON path) when anything fails.

Every interaction a mock records carries the pytest node id of the test that made it and the
session's run id (``ENTENTE_RUN_ID`` when a runner set it, else a new one per session).

When an Entente daemon runs and the session's rootdir holds an Entente project, the session
is reported to it (the project attached, the run's start, each test's start and outcome, the
run's end with counts) from a background thread, so tests never wait on the daemon. Without a
daemon this costs one file lookup; a daemon that fails costs one line in the summary.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from entente_daemon.client import DaemonClient
    from entente_daemon.client.reporter import BackgroundReporter
    from entente_daemon.config import ProjectConfig
    from entente_daemon.consumer import EntenteClient, Mock
    from entente_daemon.verify.provider import Provider, VerificationReport
    from entente_daemon.verify.state import StateHandlers

RUN_ID_ENV = "ENTENTE_RUN_ID"
#: Where state handlers find the provider being verified (as ``entente verify`` sets it).
PROVIDER_URL_ENV = "ENTENTE_PROVIDER_URL"
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

        self.run_id = self.run_id or _run_id(config)
        self.active = True
        recording_context().set(self.current_test, self.run_id)


def _run_id(config: pytest.Config) -> str:
    """The runner's run id, or the one pytest-xdist shares with its workers, else a new one."""
    worker: Mapping[str, Any] = getattr(config, "workerinput", {})
    return (
        os.environ.get(RUN_ID_ENV)
        or worker.get("testrunuid")
        or getattr(config.option, "testrunuid", None)
        or uuid.uuid4().hex
    )


class _Reporting:
    """Reports the session to a running daemon; does nothing when there is none."""

    def __init__(self) -> None:
        self.reporter: BackgroundReporter | None = None
        self.project = ""
        self.counts = dict.fromkeys(("passed", "failed", "skipped", "error"), 0)

    def start(self, config: pytest.Config) -> None:
        if hasattr(config, "workerinput"):
            return  # under pytest-xdist, the controller reports (it sees every report)
        from pathlib import Path

        from entente_daemon.client.runtime import RunPaths

        if not RunPaths.for_home(None).info.exists():
            return  # no daemon: the cheap answer, nothing more imported
        from entente_daemon.client.errors import DaemonError
        from entente_daemon.config import find_config
        from entente_daemon.errors import EntenteError

        option = config.getoption("--entente-project")
        start = Path(option) if option else config.rootpath
        try:
            project = start.resolve() if start.is_file() else find_config(start)
        except EntenteError:
            return  # not an Entente project
        try:
            from entente_daemon.records import connect_records

            reporter = connect_records().test_reporter()
        except DaemonError as exc:
            _session.summary.append(f"warning: test events not reported to the daemon: {exc}")
            return
        if reporter is None:
            return  # the local store keeps no test runs
        _session.run_id = _session.run_id or _run_id(config)
        self.project = str(project)
        self.counts = dict.fromkeys(self.counts, 0)
        self.reporter = reporter
        self.reporter.submit(lambda c: _attach_unless_detached(c, project))
        self.event("test_run.started")

    def event(self, kind: str, **fields: Any) -> None:
        if self.reporter is not None:
            self.reporter.event(kind, _session.run_id, self.project, **fields)

    def outcome(self, report: pytest.TestReport) -> None:
        if self.reporter is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.skipped:
                outcome = "skipped"
            elif report.failed:
                outcome = "failed" if report.when == "call" else "error"
            else:
                outcome = "passed"
            self.counts[outcome] += 1
            self.event(
                "test.finished",
                test_id=report.nodeid,
                outcome=outcome,
                duration_s=round(max(report.duration, 0.0), 6),
            )

    def finish(self) -> None:
        reporter, self.reporter = self.reporter, None
        if reporter is None:
            return
        reporter.event("test_run.finished", _session.run_id, self.project, counts=self.counts)
        error = reporter.close(timeout=5.0)
        if error is not None:
            _session.summary.append(f"warning: test events not reported to the daemon: {error}")


_session = _Session()
_reporting = _Reporting()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("entente", "Entente contract testing")
    group.addoption(
        "--entente-project",
        default=None,
        help="folder (or config file) of the Entente project; default: search from rootdir",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        _reporting.start(session.config)
    except Exception as exc:  # never fail a test session because of the daemon
        _session.summary.append(f"warning: test events not reported to the daemon: {exc}")


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _reporting.event("test.started", test_id=nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _reporting.outcome(report)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _reporting.finish()


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
    """This test session's Entente project configuration (``entente.toml``). A broken one
    errors each test that needs it with the file's problems, without a traceback."""
    from pathlib import Path

    from entente_daemon.config import load_project_config
    from entente_daemon.errors import EntenteError

    option = request.config.getoption("--entente-project")
    start = Path(option) if option else request.config.rootpath
    try:
        return load_project_config(start)
    except EntenteError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside `except`: no "during handling" chain


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


@pytest.fixture(scope="session")
def entente_provider(entente_project: ProjectConfig) -> Provider:
    """The provider this session's project provides (its ``[provider]`` table: name, spec;
    the project's version): what ``entente_verify`` verifies."""
    from entente_daemon.verify.provider import create_provider

    return create_provider(entente_project.file)


@pytest.fixture
def entente_verify(
    entente_provider: Provider, entente_project: ProjectConfig, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., VerificationReport]:
    """``entente_verify(base_url, state_handlers=None, empty="skip", **options)``: replay
    every interaction consumers recorded against this project's provider, running at
    ``base_url`` (`Provider.verify`: ``on_missing``, ``only_new``, ``environment``,
    ``cleanup``... pass through), and fail the test with the report's summary when any
    interaction fails. Returns the report.

    ``state_handlers``: by default the project's ``[provider] state_handlers``; handlers find
    ``base_url`` in ``$ENTENTE_PROVIDER_URL``. ``on_missing`` defaults to ``[provider]
    on_missing``. When nothing was recorded against the provider yet, the test is skipped
    (``empty="fail"`` fails it, ``empty="pass"`` lets it pass): a contract test that replayed
    nothing proves nothing.
    """

    def verify(
        base_url: str,
        *,
        state_handlers: StateHandlers | None = None,
        empty: str = "skip",
        **options: Any,
    ) -> VerificationReport:
        if empty not in ("skip", "fail", "pass"):
            raise ValueError(f"empty must be 'skip', 'fail' or 'pass', not {empty!r}")
        handlers = state_handlers
        if handlers is None:
            handlers = _configured_handlers(entente_project)
        options.setdefault("on_missing", entente_project.provided_on_missing or "fail")
        monkeypatch.setenv(PROVIDER_URL_ENV, base_url)
        report = entente_provider.verify(base_url, state_handlers=handlers, **options)
        if not report.ok:
            pytest.fail(report.summary(), pytrace=False)
        if report.total == 0 and report.skipped == 0 and empty != "pass":
            message = (
                f"nothing to verify: no interactions recorded against {report.provider} "
                "by its consumers' tests (run them first; what no test made is exploratory "
                "and never verified: `entente interactions promote` makes it a contract)"
            )
            if empty == "fail":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        return report

    return verify


def _configured_handlers(config: ProjectConfig) -> StateHandlers | None:
    """The project's ``[provider] state_handlers`` (``module:attr``), imported from its
    folder; None when it names none."""
    reference = config.provided_state_handlers
    if reference is None:
        return None
    from entente_daemon.verify.state_loading import load_state_handlers

    where = f"[provider] state_handlers of {config.file}"
    return load_state_handlers(reference, config.root, where)


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


def _attach_unless_detached(client: DaemonClient, project: Path) -> None:
    """Attach the project under test, unless the user detached it (then the run is still
    reported, and the project stays detached)."""
    from entente_daemon.client.errors import DaemonRequestError

    try:
        client.attach_project(project, auto=True)
    except DaemonRequestError as exc:
        if exc.status != 409:
            raise
