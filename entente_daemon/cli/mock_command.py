"""``entente mock SPEC``: serve one mock in the foreground, like ``prism mock``.

Prints the URL and the operations at start (stdout) and one line per request (stderr:
method, path, status, answer source, operation, time taken). Ctrl-C stops it gracefully,
writing what was recorded: to the running daemon when there is one (it owns the store),
else to the local store, opened only while there is something to write; while another
process holds the store the recordings wait in memory, with a warning.

Names default from the project (when run inside one) and the spec: provider = the project's
provider whose spec this is, else the spec's title slugified; consumer = the project's
service, else ``unknown-consumer``; provider version = ``info.version``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from entente_daemon.config import (
    ConsumedProvider,
    ProjectConfig,
    RecordingSettings,
    ServerLimits,
    find_config,
    load_project_config,
)
from entente_daemon.errors import ConfigError, StoreError

if TYPE_CHECKING:  # the serving machinery is imported when the command runs, not for --help
    from entente_daemon.client.wire import MockInfo
    from entente_daemon.mock.messages import MockRequest, MockResult
    from entente_daemon.mock.serving.app import MockApp
    from entente_daemon.mock.serving.uvicorn_server import PortInUse
    from entente_daemon.model import Fixture
    from entente_daemon.openapi import Spec
    from entente_daemon.record import InteractionCapture, Redaction, Sink

DEFAULT_PORT = 4010
DEFAULT_HOST = "127.0.0.1"  # mock.server's, not imported from there to keep --help fast
UNKNOWN_CONSUMER = "unknown-consumer"


@dataclass(frozen=True)
class Names:
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    environment: str


@click.command("mock")
@click.argument("spec_path", metavar="SPEC", type=click.Path(path_type=Path))
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"Port to listen on (default: the project's port for this provider, else "
    f"{DEFAULT_PORT}; 0: any free port).",
)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host that is not a loopback address (anyone reaching it can use the mock).",
)
@click.option("--no-validate", is_flag=True, help="Validate neither requests nor responses.")
@click.option(
    "--record/--no-record",
    default=None,
    help="Record interactions into the local store (default: on in CI or when the daemon "
    "runs, or as [recording] enabled says).",
)
@click.option("--consumer", default=None, help="Consumer name recorded (default: the project).")
@click.option("--provider", default=None, help="Provider name (default: from project or spec).")
@click.option("--provider-version", default=None, help="Provider version (default: info.version).")
@click.option("--quiet", "-q", is_flag=True, help="No line per request.")
@click.option(
    "--max-header-bytes",
    type=click.IntRange(1024),
    default=None,
    help="Bytes a request line and its headers may have together (beyond: 431; "
    "default: [limits] in entente.toml, else 65536).",
)
@click.option(
    "--max-headers",
    type=click.IntRange(1),
    default=None,
    help="Header lines a request may have (beyond: 431; default: [limits], else 100).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(0),
    default=None,
    help="Bytes a request body may have (beyond: 413; default: [limits], else 10485760).",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Seconds a request may take to arrive, from its first byte (beyond: 408; "
    "default: [limits], else 30).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=None,
    help="Open connections (beyond: the oldest idle one is closed; default: [limits], else 500).",
)
def mock_command(
    spec_path: Path,
    port: int | None,
    host: str,
    allow_remote: bool,
    no_validate: bool,
    record: bool | None,
    consumer: str | None,
    provider: str | None,
    provider_version: str | None,
    quiet: bool,
    max_header_bytes: int | None,
    max_headers: int | None,
    max_body_bytes: int | None,
    request_timeout: float | None,
    max_connections: int | None,
) -> None:
    """Serve a mock of the OpenAPI spec SPEC until Ctrl-C.

    It answers from approved fixtures, else the spec's examples, else data generated from
    the schemas; `Prefer: code=404`, `Prefer: example=name` and `Prefer: dynamic=true`
    choose another answer.
    """
    from entente_daemon.mock.answer.engine import MockEngine, MockOptions
    from entente_daemon.mock.serving.app import MockApp
    from entente_daemon.mock.serving.uvicorn_server import PortInUse, ServeError, serve_forever
    from entente_daemon.openapi import load_spec
    from entente_daemon.record import recording_enabled

    project = _project()
    spec = load_spec(spec_path, ref_roots=project.spec_ref_roots if project else ())
    for warning in spec.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    dependency = _dependency_for(project, spec_path)
    names = _names(spec, spec_path, project, dependency, consumer, provider, provider_version)
    port_file: Path | None = None  # the file that set the port, when one did
    if port is None:
        if dependency is not None and dependency.port and project is not None:
            port, port_file = dependency.port, project.file
        else:
            port = DEFAULT_PORT

    fixtures = _approved_fixtures(names.provider)
    engine = MockEngine(
        spec,
        fixtures=tuple(fixtures),
        options=MockOptions(validate_requests=not no_validate, validate_responses=not no_validate),
    )
    enabled, why = recording_enabled(
        record, project.recording.enabled if project is not None else None
    )
    recorder = _recorder(names, project, spec) if enabled else None
    limits = _limits(
        project.limits if project is not None else ServerLimits(),
        max_header_bytes=max_header_bytes,
        max_headers=max_headers,
        max_body_bytes=max_body_bytes,
        request_timeout=request_timeout,
        max_connections=max_connections,
    )
    request_log = None if quiet else RequestLog(sys.stderr, spec_redaction(project, spec))
    app = MockApp(engine, recorder=recorder, on_request=request_log, limits=limits)

    def announce(url: str) -> None:
        _print_banner(url, spec, names, fixtures, recorder, why, no_validate)

    try:
        serve_forever(app, host, port, allow_remote=allow_remote, on_listening=announce)
    except PortInUse as exc:
        raise ServeError(_port_taken(exc, spec_path, port_file, names.provider)) from None
    _print_summary(app)


def _limits(
    base: ServerLimits,
    *,
    max_header_bytes: int | None,
    max_headers: int | None,
    max_body_bytes: int | None,
    request_timeout: float | None,
    max_connections: int | None,
) -> ServerLimits:
    """The project's ``[limits]`` (or the defaults), with the flags given instead."""
    return replace(
        base,
        max_header_bytes=base.max_header_bytes if max_header_bytes is None else max_header_bytes,
        max_headers=base.max_headers if max_headers is None else max_headers,
        max_body_bytes=base.max_body_bytes if max_body_bytes is None else max_body_bytes,
        request_timeout=base.request_timeout if request_timeout is None else request_timeout,
        max_connections=base.max_connections if max_connections is None else max_connections,
    )


def _port_taken(exc: PortInUse, spec_path: Path, port_file: Path | None, provider: str) -> str:
    """What to do about a taken port: the daemon's mock of this very spec can be used as it
    is; a port the project's file set is changed there; a flag's with the flag."""
    free = "--port 0 for any free port"
    held = _daemon_mock_on(exc.port)
    if held is not None and held.spec and Path(held.spec).resolve() == spec_path.resolve():
        return (
            f"the Entente daemon already serves this spec's mock on {held.url} (for "
            f"{held.consumer}, {held.project}): use it, it records through the daemon; or stop "
            f"the daemon (`entente-daemon stop`) to serve it here; or pass {free} for a second "
            "mock"
        )
    if held is not None:
        return (
            f"{exc}: the Entente daemon's mock of {held.provider} for {held.consumer} "
            f"({held.project}) has it; choose another with --port, or {free}"
        )
    if port_file is not None:
        return (
            f"{exc} (another mock?); it is the `port` of provider {provider!r} under "
            f"[[providers]] in {port_file}: set another `port = ...` there, or pass --port "
            f"(or {free})"
        )
    return f"{exc} (another mock?); choose another with --port, or {free}"


def _daemon_mock_on(port: int) -> MockInfo | None:
    """The running daemon's mock listening on ``port``, if any (None when no daemon runs or
    it cannot say)."""
    from entente_daemon.client import DaemonClient

    try:
        client = DaemonClient.discover()
        if client is None:
            return None
        with client:
            mocks = client.mocks()
    except Exception:  # another version, a daemon going away: no advice from it
        return None
    return next((m for m in mocks if m.port == port and m.url), None)


def _project() -> ProjectConfig | None:
    """The project around the working directory, if any; a broken one is warned about and
    ignored (a mock does not need it)."""
    try:
        find_config()
    except ConfigError:
        return None
    try:
        return load_project_config()
    except ConfigError as exc:
        click.secho(f"warning: ignoring the project configuration: {exc}", fg="yellow", err=True)
        return None


def _dependency_for(project: ProjectConfig | None, spec_path: Path) -> ConsumedProvider | None:
    if project is None:
        return None
    wanted = spec_path.resolve()
    for dependency in project.providers:
        if dependency.spec_path is not None and dependency.spec_path == wanted:
            return dependency
    return None


def _names(
    spec: Spec,
    spec_path: Path,
    project: ProjectConfig | None,
    dependency: ConsumedProvider | None,
    consumer: str | None,
    provider: str | None,
    provider_version: str | None,
) -> Names:
    return Names(
        consumer=consumer or (project.service if project else UNKNOWN_CONSUMER),
        consumer_version=project.version if project else "unknown",
        provider=provider
        or (dependency.name if dependency else "")
        or slugify(spec.title)
        or slugify(spec_path.stem)
        or "unknown-provider",
        provider_version=provider_version or spec.version or "0.0.0",
        environment=project.environment if project else "local",
    )


def slugify(text: str) -> str:
    """``"Castle Service"`` → ``"castle-service"``: a valid service name, or ``""``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-._")


def _approved_fixtures(provider: str) -> list[Fixture]:
    """The provider's approved fixtures in the local store (read-only, so a writer holding
    the store does not stop the mock); none when the store cannot be read."""
    from entente_daemon.model import FixtureStatus
    from entente_daemon.records import StoreRecords

    try:
        return StoreRecords().fixtures(provider=provider, status=FixtureStatus.APPROVED)
    except StoreError as exc:
        click.secho(f"warning: fixtures not loaded: {exc}", fg="yellow", err=True)
        return []


def _sink() -> Sink:
    """The running daemon when there is one (it holds the store), else the local store,
    which this mock then owns for its lifetime: what other processes (consumer tests) record
    meanwhile reaches it through the spool, imported as it comes."""
    from entente_daemon.records import Records, StoreRecords, connect_records
    from entente_daemon.records.spool import ImportingStoreSink

    records: Records
    try:
        records = connect_records()
    except Exception as exc:  # another version, a half-started daemon: use the store
        click.secho(f"warning: not recording through the daemon: {exc}", fg="yellow", err=True)
        records = StoreRecords()
    if isinstance(records, StoreRecords):

        def imported(count: int) -> None:
            click.echo(f"imported {count} record(s) other processes handed over", err=True)

        return ImportingStoreSink(records.path, on_import=imported)
    return records.recording_sink()


def spec_redaction(project: ProjectConfig | None, spec: Spec) -> Redaction:
    """The credential names to redact (built-in, the project's, the spec's apiKey names),
    for recordings and for the request log alike."""
    from entente_daemon.record import Redaction

    settings = project.recording if project is not None else RecordingSettings()
    return Redaction.configured(settings).for_spec(spec.security_schemes)


def _recorder(names: Names, project: ProjectConfig | None, spec: Spec) -> InteractionCapture:
    from entente_daemon.record import InteractionCapture

    redaction = spec_redaction(project, spec)
    return InteractionCapture(
        names.consumer,
        names.consumer_version,
        names.provider,
        names.provider_version,
        names.environment,
        _sink(),
        redact=redaction,
        warn=lambda message: click.secho(f"warning: {message}", fg="yellow", err=True),
    )


def _print_banner(
    url: str,
    spec: Spec,
    names: Names,
    fixtures: list[Fixture],
    recorder: InteractionCapture | None,
    why: str,
    no_validate: bool,
) -> None:
    rows = []
    for op in spec.operations:
        base = next((b for s in op.servers for b in s.base_paths), "")
        rows.append((op.method.upper(), f"{url}{base}{op.path}", op.operation_id))
    method_width = max((len(r[0]) for r in rows), default=0)
    url_width = max((len(r[1]) for r in rows), default=0)
    lines = [
        f"Mock of {spec.title or names.provider} {spec.version} "
        f"(OpenAPI {spec.openapi_version}, {len(rows)} operations) on {url}",
        *(f"  {m:<{method_width}}  {u:<{url_width}}  {o}" for m, u, o in rows),
        f"Provider {names.provider} {names.provider_version}; consumer {names.consumer} "
        f"{names.consumer_version}; {len(fixtures)} approved fixture(s)",
        "Validation: " + ("off (--no-validate)" if no_validate else "requests and responses"),
    ]
    if recorder is not None:
        lines.append(f"Recording: on ({why}) into {recorder.sink.describe()}")
    else:
        lines.append(f"Recording: off ({why})")
    lines.append("Ctrl-C stops.")
    click.echo("\n".join(lines))
    sys.stdout.flush()


def _print_summary(app: MockApp) -> None:
    recorder = app.recorder
    if recorder is None:
        click.echo("Stopped.", err=True)
        return
    click.echo(
        f"Stopped. Recorded {recorder.recorded} request(s); "
        f"{recorder.written} written to {recorder.sink.describe()}.",
        err=True,
    )
    reason = f" ({recorder.last_error})" if recorder.last_error else ""
    if app.unwritten:
        try:
            from entente_daemon.consumer.upload import spool_records

            file = spool_records(app.unwritten, [])
        except Exception as exc:
            lost = sum(i.count for i in app.unwritten)
            raise click.ClickException(
                f"{lost} recorded request(s) could not be stored{reason}, nor spooled: {exc}"
            ) from None
        click.secho(
            f"warning: {len(app.unwritten)} interaction(s) could not be stored{reason}; "
            f"kept them in {file}, which the next upload to the store imports",
            fg="yellow",
            err=True,
        )
    if recorder.dropped:
        raise click.ClickException(
            f"{recorder.dropped} request(s) were not recorded: more arrived than could wait "
            f"for {recorder.sink.describe()}{reason}"
        )


class RequestLog:
    """One line per request on ``stream``: ``GET /castles?region=x 200 example listCastles
    0.42ms`` (the source is ``fixture``, ``example``, ``generated`` or ``error``). Query
    parameters that carry credentials read ``[REDACTED]``, as they are recorded."""

    __slots__ = ("_redaction", "_write")

    def __init__(self, stream: TextIO, redaction: Redaction) -> None:
        self._write = stream.write
        self._redaction = redaction

    def __call__(self, request: MockRequest, result: MockResult, duration: float) -> None:
        shown = self._redaction.query_string(request.query_string)
        query = f"?{shown}" if shown else ""
        problems = result.match.validation_errors
        status = result.response.status
        flag = f" ({len(problems)} validation problem(s))" if problems and status < 400 else ""
        self._write(
            f"{request.method} {request.path}{query} {status} "
            f"{result.match.source or '-'} {result.operation_id or '-'} "
            f"{duration * 1000:.2f}ms{flag}\n"
        )
