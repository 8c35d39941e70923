"""A fixed scene for the TUI's snapshots (and the same story for the screenshots): a real
daemon holding the castle client's interactions, two test runs, a verification with
failures, draft, approved and rejected fixtures, and a spec error (since fixed).

Everything the scene sends carries fixed ids and times (the store keeps an uploaded
interaction's or fixture's ``id`` and ``timestamp``/``created_at``; a verification run is
opened under a chosen id). A few values are the daemon's own and differ from run to run:
the times it stamps (a test run's start, a verification run's start and end, an alert's
time), the temporary folder the project lives in, and the mock's free port. Those are
normalised where the TUI reads them, in the HTTP answers (`NeutralTransport`): times
stamped after the scene's day become `SCENE_NOW`, the folder reads `NEUTRAL_ROOT`, the
port `NEUTRAL_PORT`. The daemon, the mock and the store stay real; only what the TUI is
told is made repeatable. (A fixed port instead would collide with a busy one.)

No pytest here: ``scripts/screenshots.py`` uses it too.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from entente_daemon.client import DaemonClient
from entente_daemon.client.aio import DEFAULT_TIMEOUT
from entente_daemon.client.endpoint import Endpoint
from entente_daemon.client.lifecycle import start_daemon, stop_daemon
from entente_daemon.client.wire import MockInfo, VerificationStep
from entente_daemon.model import (
    AnswerSource,
    Deployment,
    ErrorKind,
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Interaction,
    MatchContext,
    Verification,
    VerificationResult,
)
from tests.daemon.castle_project import (
    CastleProject,
    castle_project,
    is_event,
    last_seq,
    wait_for_event,
)

SCENE_DAY = datetime(2025, 3, 14, tzinfo=UTC)
SCENE_NOW = datetime(2025, 3, 14, 9, 45, 0, tzinfo=UTC)
NEUTRAL_ROOT = "/home/you/castle-demo"
NEUTRAL_HOME = "/home/you/.entente"
NEUTRAL_PORT = 4001

CONSUMER = "castle-client"
PROVIDER = "castle-service"
RUN_DONE = "run-0930-7f3a"
RUN_LIVE = "run-0942-c41d"
VERIFY_DONE = "verify-0935-2b9e"
VERIFY_LIVE = "verify-0944-91d0"
TEST_FILE = "tests/test_castles.py"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
MONT = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"
CHAMBORD = "c4a8e2f1-7b6d-4e3a-8f5c-1d2e3f4a5b6c"
MISSING = "00000000-0000-4000-8000-000000000000"
JSON = {"content-type": "application/json"}


def scene_id(name: str) -> str:
    """A fixed id that looks like the daemon's own (32 hex digits)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"entente-scene/{name}").hex


def at(hour: int, minute: int, second: int, millis: int = 0) -> datetime:
    return SCENE_DAY.replace(hour=hour, minute=minute, second=second, microsecond=millis * 1000)


def castle(
    ident: str, name: str, region: str, year: int, description: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"id": ident, "name": name, "region": region, "yearBuilt": year}
    if description is not None:
        body["description"] = description
    return body


VERSAILLES_BODY = castle(
    VERSAILLES,
    "Château de Versailles",
    "Île-de-France",
    1623,
    "Louis XIII's hunting lodge, made a palace by Louis XIV.",
)
MONT_BODY = castle(MONT, "Mont Saint-Michel", "Normandie", 1023)
CHAMBORD_BODY = castle(
    CHAMBORD,
    "Château de Chambord",
    "Centre-Val de Loire",
    1519,
    "Renaissance château built for Francis I.",
)
NOT_FOUND = {"error": "not_found", "message": f"No castle with id {MISSING}"}
F_REGION = scene_id("fixture/list-normandie")
F_DELETE = scene_id("fixture/delete-200")


@dataclass(frozen=True)
class Call:
    """One recorded request of the scene, and why the mock answered as it did."""

    name: str
    test: str
    run: str
    when: datetime
    request: HttpRequest
    status: int
    body: object
    operation: str
    template: str
    source: AnswerSource
    reasons: tuple[str, ...]
    duration_ms: float
    example: str | None = None
    fixture: str | None = None
    state: str | None = None
    errors: tuple[str, ...] = ()


CALLS: tuple[Call, ...] = (
    Call(
        "list",
        "test_list_castles",
        RUN_DONE,
        at(9, 30, 2, 114),
        HttpRequest(method="GET", path="/castles", headers={"accept": "application/json"}),
        200,
        [VERSAILLES_BODY, MONT_BODY],
        "listCastles",
        "/castles",
        "example",
        (
            "GET /castles matched listCastles",
            "no approved fixture matches the request",
            "answered with the 200 example 'twoCastles'",
        ),
        3.1,
        example="twoCastles",
    ),
    Call(
        "list-normandie",
        "test_list_castles_in_a_region",
        RUN_DONE,
        at(9, 30, 2, 231),
        HttpRequest(
            method="GET",
            path="/castles",
            query={"region": ["Normandie"]},
            headers={"accept": "application/json"},
        ),
        200,
        [MONT_BODY],
        "listCastles",
        "/castles",
        "fixture",
        (
            "GET /castles matched listCastles",
            f"approved fixture {F_REGION[:8]} matches: query region=Normandie",
        ),
        2.4,
        fixture=F_REGION,
    ),
    Call(
        "get",
        "test_get_castle",
        RUN_DONE,
        at(9, 30, 2, 305),
        HttpRequest(method="GET", path=f"/castles/{VERSAILLES}"),
        200,
        VERSAILLES_BODY,
        "getCastle",
        "/castles/{id}",
        "example",
        (
            "GET /castles/{id} matched getCastle (id=3f6c2b0e…)",
            "answered with the 200 example 'versailles'",
        ),
        1.9,
        example="versailles",
    ),
    Call(
        "get-missing",
        "test_get_missing_castle",
        RUN_DONE,
        at(9, 30, 2, 377),
        HttpRequest(method="GET", path=f"/castles/{MISSING}"),
        404,
        NOT_FOUND,
        "getCastle",
        "/castles/{id}",
        "fixture",
        (
            "GET /castles/{id} matched getCastle (id=00000000…)",
            "local fixture tests/fixtures/castles.json#missing matches the id",
        ),
        1.6,
        fixture="castles.json#missing",
    ),
    Call(
        "create",
        "test_create_castle",
        RUN_DONE,
        at(9, 30, 2, 452),
        HttpRequest(
            method="POST",
            path="/castles",
            headers=JSON,
            body={k: v for k, v in CHAMBORD_BODY.items() if k != "id"},
        ),
        201,
        CHAMBORD_BODY,
        "createCastle",
        "/castles",
        "example",
        ("POST /castles matched createCastle", "answered with the 201 example 'chambord'"),
        4.2,
        example="chambord",
    ),
    Call(
        "delete",
        "test_delete_castle",
        RUN_DONE,
        at(9, 30, 2, 530),
        HttpRequest(method="DELETE", path=f"/castles/{VERSAILLES}"),
        204,
        None,
        "deleteCastle",
        "/castles/{id}",
        "generated",
        (
            "DELETE /castles/{id} matched deleteCastle (id=3f6c2b0e…)",
            "no fixture or example for 204: generated from the spec",
        ),
        1.1,
        state=f"a castle with id {VERSAILLES} exists",
    ),
    Call(
        "create-future",
        "test_create_castle_in_the_future",
        RUN_DONE,
        at(9, 30, 2, 611),
        HttpRequest(
            method="POST",
            path="/castles",
            headers=JSON,
            body={"name": "Castle 2300", "region": "Mars", "yearBuilt": 2300},
        ),
        400,
        {"error": "invalid_request", "message": "yearBuilt must be between 1000 and 2100"},
        "createCastle",
        "/castles",
        "error",
        ("POST /castles matched createCastle", "the request does not fit the spec: 400"),
        2.7,
        errors=("request body $.yearBuilt: 2300 is greater than the maximum of 2100",),
    ),
    Call(
        "live-list",
        "test_list_castles",
        RUN_LIVE,
        at(9, 42, 10, 48),
        HttpRequest(method="GET", path="/castles", headers={"accept": "application/json"}),
        200,
        [VERSAILLES_BODY, MONT_BODY, CHAMBORD_BODY],
        "listCastles",
        "/castles",
        "generated",
        (
            "GET /castles matched listCastles",
            "example skipped: Accept asks for a list of 3 (x-entente-size)",
            "generated from the schema (seed 42)",
        ),
        5.8,
    ),
    Call(
        "live-get",
        "test_get_castle",
        RUN_LIVE,
        at(9, 42, 10, 173),
        HttpRequest(method="GET", path=f"/castles/{MONT}"),
        200,
        MONT_BODY,
        "getCastle",
        "/castles/{id}",
        "example",
        (
            "GET /castles/{id} matched getCastle (id=9b1d4e72…)",
            "answered with the 200 example 'montSaintMichel' (its id matches)",
        ),
        1.7,
        example="montSaintMichel",
    ),
)
DONE_OUTCOMES = {call.test: "passed" for call in CALLS if call.run == RUN_DONE}
DONE_OUTCOMES["test_create_castle_in_the_future"] = "failed"


def scene_interactions() -> list[Interaction]:
    found: list[Interaction] = []
    for call in CALLS:
        response = HttpResponse(
            status=call.status,
            headers={**(JSON if call.body is not None else {}), "x-entente-source": call.source},
            body=call.body,
        )
        found.append(
            Interaction(
                id=scene_id(f"interaction/{call.run}/{call.name}"),
                consumer=CONSUMER,
                consumer_version="1.0.0",
                provider=PROVIDER,
                provider_version="1.0.0",
                operation_id=call.operation,
                provider_state=call.state,
                request=call.request,
                response=response,
                duration_ms=call.duration_ms,
                timestamp=call.when,
                test_id=f"{TEST_FILE}::{call.test}",
                run_id=call.run,
                match=MatchContext(
                    operation_id=call.operation,
                    path_template=call.template,
                    source=call.source,
                    fixture_id=call.fixture,
                    example_name=call.example,
                    reasons=list(call.reasons),
                    validation_errors=list(call.errors),
                ),
            )
        )
    return found


def reviewed_fixtures() -> list[Fixture]:
    """The approved and the rejected fixture (the drafts come from the verification)."""
    return [
        Fixture(
            id=F_REGION,
            provider=PROVIDER,
            provider_versions=["1.0.0"],
            operation_id="listCastles",
            status=FixtureStatus.APPROVED,
            source=FixtureSource.CONSUMER,
            request=HttpRequest(method="GET", path="/castles", query={"region": ["Normandie"]}),
            response=HttpResponse(status=200, headers=JSON, body=[MONT_BODY]),
            notes="Only Mont Saint-Michel is in Normandie in the test data.",
            created_at=at(8, 55, 0),
            approved_by="alice",
            approved_at=at(9, 2, 30),
        ).with_hash(),
        Fixture(
            id=F_DELETE,
            provider=PROVIDER,
            provider_versions=["0.9.0"],
            operation_id="deleteCastle",
            status=FixtureStatus.REJECTED,
            source=FixtureSource.PROVIDER,
            request=HttpRequest(method="DELETE", path=f"/castles/{MONT}"),
            response=HttpResponse(status=200, headers=JSON, body={"deleted": True}),
            provider_state=f"a castle with id {MONT} exists",
            notes="0.9.0 answered 200 with a body; the spec says 204 and no body.",
            created_at=at(8, 40, 0),
        ).with_hash(),
    ]


def draft_fixtures() -> list[Fixture]:
    """What the verification saw the real service answer: drafts to review. The first one
    does not fit the schema (yearBuilt is a string), so its detail shows a problem."""

    def draft(
        name: str, operation: str, request: HttpRequest, status: int, body: object
    ) -> Fixture:
        return Fixture(
            id=scene_id(f"fixture/{name}"),
            provider=PROVIDER,
            provider_versions=["1.0.0"],
            operation_id=operation,
            status=FixtureStatus.DRAFT,
            source=FixtureSource.PROVIDER,
            request=request,
            response=HttpResponse(status=status, headers=JSON, body=body),
            created_at=at(9, 35, 41),
        ).with_hash()

    return [
        draft(
            "get-versailles",
            "getCastle",
            HttpRequest(method="GET", path=f"/castles/{VERSAILLES}"),
            200,
            {**VERSAILLES_BODY, "yearBuilt": "1623"},
        ),
        draft(
            "get-missing",
            "getCastle",
            HttpRequest(method="GET", path=f"/castles/{MISSING}"),
            404,
            NOT_FOUND,
        ),
        draft(
            "create-chambord",
            "createCastle",
            HttpRequest(
                method="POST",
                path="/castles",
                headers=JSON,
                body={k: v for k, v in CHAMBORD_BODY.items() if k != "id"},
            ),
            201,
            CHAMBORD_BODY,
        ),
        draft(
            "list-all",
            "listCastles",
            HttpRequest(method="GET", path="/castles"),
            200,
            [VERSAILLES_BODY, MONT_BODY, CHAMBORD_BODY],
        ),
    ]


def verification_results(interactions: list[Interaction]) -> list[VerificationResult]:
    """The finished run's results: two failures (a schema mismatch, a state handler that
    could not set the provider up), the rest passed."""
    results: list[VerificationResult] = []
    for index, interaction in enumerate(i for i in interactions if i.run_id == RUN_DONE):
        ok = True
        extra: dict[str, object] = {}
        if interaction.id == scene_id(f"interaction/{RUN_DONE}/get"):
            ok = False
            extra = {
                "error_kind": ErrorKind.SCHEMA_MISMATCH,
                "path": "$.yearBuilt",
                "expected": 1623,
                "actual": "1623",
                "message": "$.yearBuilt: '1623' is not of type 'integer'",
            }
        elif interaction.id == scene_id(f"interaction/{RUN_DONE}/delete"):
            ok = False
            extra = {
                "error_kind": ErrorKind.STATE_HANDLER_ERROR,
                "message": (
                    f"state 'a castle with id {VERSAILLES} exists': handler raised "
                    "KeyError: 'castles' (states.py:18)"
                ),
            }
        results.append(
            VerificationResult.model_validate(
                {
                    "interaction_id": interaction.id,
                    "interaction_hash": interaction.with_hash().content_hash,
                    "operation_id": interaction.operation_id,
                    "ok": ok,
                    "duration_ms": 6.0 + index,
                    **extra,
                }
            )
        )
    return results


# -- loading it into a daemon ------------------------------------------------------------


@dataclass
class Scene:
    """The scene's folders: ``root`` holds the castle project copy (castle-client and
    castle-service) and the Entente ``home``."""

    root: Path
    home: Path
    castle: CastleProject

    @property
    def project_dir(self) -> Path:
        return self.castle.config.parent

    def client(self) -> DaemonClient:
        return DaemonClient.connect(self.home)

    def stop(self) -> None:
        stop_daemon(self.home, timeout=30, force=True)

    def replacements(self) -> list[tuple[str, str]]:
        """Literal text → what the TUI is shown instead (longest first)."""
        pairs = [
            (str(self.home), NEUTRAL_HOME),
            (str(self.root), NEUTRAL_ROOT),
            (f"127.0.0.1:{self.castle.port}", f"127.0.0.1:{NEUTRAL_PORT}"),
            (f"localhost:{self.castle.port}", f"localhost:{NEUTRAL_PORT}"),
            (f'"port":{self.castle.port}', f'"port":{NEUTRAL_PORT}'),
            (f'"port": {self.castle.port}', f'"port": {NEUTRAL_PORT}'),
        ]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


def start_scene(root: Path) -> Scene:
    """A daemon for a new home under ``root`` with the castle project attached (its mock
    serving); nothing recorded yet."""
    folder = root / "castle-demo"
    castle = castle_project(folder)
    home = root / "entente-home"
    start_daemon(home, timeout=60)
    scene = Scene(folder, home, castle)
    with scene.client() as client:
        client.attach_project(castle.config)
        wait_serving(client, castle.port)
    return scene


def wait_serving(client: DaemonClient, port: int, timeout: float = 30.0) -> None:
    deadline = _deadline(timeout)

    def serving(mock: MockInfo) -> bool:
        return mock.port == port and mock.state == "running" and mock.error is None

    while not any(serving(m) for m in client.mocks()):
        _check(deadline, f"the castle mock on port {port} to serve its spec")


def record_scene(scene: Scene) -> None:
    """Everything but the alert: interactions, the reviewed fixtures, two test runs (one
    finished, one still running), a finished verification that made the drafts, and one
    verification still running."""
    project = str(scene.castle.config)
    interactions = scene_interactions()
    with scene.client() as client:
        receipt = client.upload_interactions(interactions, reviewed_fixtures())
        if receipt.ids != [i.id for i in interactions]:
            raise RuntimeError(f"the daemon stored the scene under other ids: {receipt.ids}")
        report_runs(client, project)
        verify(client, project, interactions)


def report_runs(client: DaemonClient, project: str) -> None:
    client.report_test_event("test_run.started", RUN_DONE, project)
    for index, (test, outcome) in enumerate(DONE_OUTCOMES.items()):
        test_id = f"{TEST_FILE}::{test}"
        client.report_test_event("test.started", RUN_DONE, project, test_id=test_id)
        client.report_test_event(
            "test.finished",
            RUN_DONE,
            project,
            test_id=test_id,
            outcome=outcome,
            duration_s=0.01 + index / 100,
        )
    client.report_test_event("test_run.finished", RUN_DONE, project)
    client.report_test_event("test_run.started", RUN_LIVE, project)
    for test in ("test_list_castles", "test_get_castle"):
        test_id = f"{TEST_FILE}::{test}"
        client.report_test_event("test.started", RUN_LIVE, project, test_id=test_id)
        client.report_test_event(
            "test.finished", RUN_LIVE, project, test_id=test_id, outcome="passed", duration_s=0.02
        )
    client.report_test_event(
        "test.started", RUN_LIVE, project, test_id=f"{TEST_FILE}::test_get_missing_castle"
    )


def verify(client: DaemonClient, project: str, interactions: list[Interaction]) -> None:
    results = verification_results(interactions)
    failed = [r for r in results if not r.ok]
    base_url = "http://127.0.0.1:8000"
    client.open_verification_run(
        PROVIDER,
        "1.0.0",
        total=len(results),
        project=project,
        base_url=base_url,
        run_id=VERIFY_DONE,
    )
    client.report_verification_progress(
        VERIFY_DONE, done=len(results), passed=len(results) - len(failed), failed=len(failed)
    )
    verification = Verification(
        id=scene_id("verification/castle-client"),
        provider=PROVIDER,
        provider_version="1.0.0",
        consumer=CONSUMER,
        consumer_version="1.0.0",
        started_at=at(9, 35, 40),
        finished_at=at(9, 35, 41),
        results=results,
    )
    client.finish_verification_run(VERIFY_DONE, [verification], draft_fixtures())
    client.open_verification_run(
        PROVIDER, "1.1.0-rc1", total=9, project=project, base_url=base_url, run_id=VERIFY_LIVE
    )
    first = interactions[0]
    client.report_verification_progress(
        VERIFY_LIVE,
        done=4,
        passed=4,
        failed=0,
        last=VerificationStep(
            interaction_id=first.id,
            consumer=CONSUMER,
            method=first.request.method,
            path=first.request.path,
            ok=True,
        ),
    )


#: What runs where (the Deploy screen): production runs the client and an older service build
#: nobody verified; staging runs the service build whose verification failed.
DEPLOYMENTS = (
    (CONSUMER, "1.0.0", "production"),
    (PROVIDER, "0.9.0", "production"),
    (PROVIDER, "1.0.0", "staging"),
)


def deploy_scene(scene: Scene) -> None:
    with scene.client() as client:
        for service, version, environment in DEPLOYMENTS:
            client.record_deployment(
                Deployment(
                    service=service,
                    version=version,
                    environment=environment,
                    deployed_at=at(9, 20, 0),
                    deployed_by="alice",
                )
            )


BROKEN_LINE = "    get:\n      operationId: listCastles\n"


def break_and_fix_spec(scene: Scene) -> None:
    """Save the castle spec with a YAML error, wait for the daemon's ``spec.error``, then
    save it fixed and wait for ``spec.reloaded``. The daemon keeps the error in its alerts
    (it lists no reloads), while the mock serves, and fixtures are checked against, the good
    spec again."""
    text = scene.castle.spec.read_text(encoding="utf-8")
    if BROKEN_LINE not in text:
        raise RuntimeError("the castle spec changed: update scene.break_and_fix_spec")
    broken = text.replace(BROKEN_LINE, "    get:\n      operationId: [listCastles\n", 1)
    with scene.client() as client:
        since = last_seq(client)
        scene.castle.write_spec(broken)
        wait_for_event(client, since, is_event("spec.error"), what="spec.error")
        since = last_seq(client)
        scene.castle.write_spec(text)
        wait_for_event(client, since, is_event("spec.reloaded"), what="spec.reloaded")
        wait_serving(client, scene.castle.port)


def build_scene(root: Path) -> Scene:
    """`start_scene`, `record_scene`, `break_and_fix_spec` and `deploy_scene`: the whole
    scene."""
    scene = start_scene(root)
    try:
        record_scene(scene)
        break_and_fix_spec(scene)
        deploy_scene(scene)  # last: the alerts' event numbers stay as they were
    except BaseException:
        scene.stop()
        raise
    return scene


# -- what the TUI is told ---------------------------------------------------------------

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def neutral_text(
    text: str, replacements: list[tuple[str, str]], clock: datetime | None = SCENE_NOW
) -> str:
    """``text`` with the scene's folders and port replaced, and (with ``clock``) every time
    later than the scene's day replaced by ``clock``."""
    for old, new in replacements:
        text = text.replace(old, new)
    if clock is None:
        return text
    cutoff = SCENE_DAY + timedelta(days=1)

    def fix(match: re.Match[str]) -> str:
        try:
            value = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        if value.tzinfo is None or value < cutoff:
            return match.group(0)
        return clock.isoformat()

    return _ISO.sub(fix, text)


class _NeutralLines(httpx.AsyncByteStream):
    """A streamed body (the event stream), rewritten line by line."""

    def __init__(self, inner: httpx.Response, rewrite: Callable[[str], str]) -> None:
        self._inner = inner
        self._rewrite = rewrite

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pending = b""
        async for chunk in self._inner.aiter_raw():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            if lines:
                yield b"".join(self._rewrite(line.decode()).encode() + b"\n" for line in lines)
        if pending:
            yield self._rewrite(pending.decode()).encode()

    async def aclose(self) -> None:
        await self._inner.aclose()


class NeutralTransport(httpx.AsyncBaseTransport):
    """Passes requests to the real transport and rewrites the answers' text."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rewrite: Callable[[str], str]) -> None:
        self._inner = inner
        self._rewrite = rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        if request.url.path.endswith("/events/stream"):
            return httpx.Response(
                response.status_code,
                headers=headers,
                stream=_NeutralLines(response, self._rewrite),
                request=request,
            )
        body = await response.aread()
        await response.aclose()
        text = self._rewrite(body.decode("utf-8"))
        return httpx.Response(
            response.status_code, headers=headers, content=text.encode("utf-8"), request=request
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def neutral_client_factory(
    scene: Scene, clock: datetime | None = SCENE_NOW
) -> Callable[..., httpx.AsyncClient]:
    """A drop-in for `entente_daemon.client.aio.async_http_client` (install it with
    ``monkeypatch.setattr(aio, "async_http_client", ...)``) whose clients rewrite the
    daemon's answers with `neutral_text`."""
    replacements = scene.replacements()

    def rewrite(text: str) -> str:
        return neutral_text(text, replacements, clock)

    def factory(
        endpoint: Endpoint, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT
    ) -> httpx.AsyncClient:
        inner = (
            httpx.AsyncHTTPTransport(uds=str(endpoint.socket))
            if endpoint.socket
            else httpx.AsyncHTTPTransport()
        )
        return httpx.AsyncClient(
            base_url=endpoint.base_url,
            transport=NeutralTransport(inner, rewrite),
            headers=endpoint.headers,
            timeout=timeout,
            trust_env=False,
        )

    return factory


# -- small helpers -------------------------------------------------------------------------


def _deadline(timeout: float) -> float:
    return time.monotonic() + timeout


def _check(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(f"timed out waiting for {what}")
    time.sleep(0.02)  # polling a condition with a deadline
