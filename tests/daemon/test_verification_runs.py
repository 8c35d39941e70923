"""Verification runs through the daemon: `Provider.verify` with a real daemon running reports
its run live (started, progress, finished on the event stream) and hands its results to the
daemon, which stores them; the run endpoints refuse what they cannot take, clearly; a daemon
that dies mid-run does not stop the verification."""

from __future__ import annotations

import gc
import importlib
import warnings
from typing import Any

import pytest

from entente_daemon.client import DaemonClient, DaemonError
from entente_daemon.client.wire import VerificationRun
from entente_daemon.model import (
    Event,
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Interaction,
)
from entente_daemon.model import VerificationResult as Result
from entente_daemon.records.daemon_run import DaemonRun
from entente_daemon.verify.provider import create_provider
from tests.verify.test_castle_service import SERVICE, ThreadServer
from tests.verify.test_runner import OPERATIONS, SPEC, record_consumer_run, seed_handlers, serve

from .castle_project import is_event, last_seq, wait_for_event
from .conftest import Daemon

VERIFICATION_KINDS = ("verification.started", "verification.progress", "verification.finished")


@pytest.fixture
def castles(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(SERVICE))
    return importlib.import_module("castle_service.app")


def events_after(client: DaemonClient, seq: int) -> list[Event]:
    events: list[Event] = []
    while True:
        page = client.events_since(events[-1].seq if events else seq, 500)
        if not page.events:
            return events
        events += page.events


def test_provider_verify_reports_live_and_the_daemon_stores(daemon: Daemon, castles: Any) -> None:
    daemon.start()
    record_consumer_run()  # uploads through the daemon
    provider = create_provider(name="castle-service", version="2.0.0", spec=SPEC)
    server, app = serve(castles)
    with daemon.client() as client:
        since = last_seq(client)
        with server as url:
            report = provider.verify(url, state_handlers=seed_handlers(app))

        assert report.ok
        assert (report.stored, report.note) == (True, None)
        assert sorted(f.operation_id for f in report.fixtures) == sorted(OPERATIONS)
        assert report.run_id is not None

        # stored by the daemon: visible through its endpoints
        [stored] = client.verifications(provider="castle-service")
        assert (stored.consumer, stored.provider_version, stored.passed) == (
            "castle-client",
            "2.0.0",
            4,
        )
        drafts = client.fixtures(provider="castle-service")
        assert sorted(f.id for f in drafts) == sorted(f.id for f in report.fixtures)
        assert {(f.status, f.source) for f in drafts} == {
            (FixtureStatus.DRAFT, FixtureSource.PROVIDER)
        }

        # the run's events, in order, with the counts
        wait_for_event(client, since, is_event("verification.finished", id=report.run_id))
        events = events_after(client, since)
        mine = [e for e in events if e.payload.get("id") == report.run_id]
        kinds = [str(e.kind) for e in mine]
        assert set(kinds) <= set(VERIFICATION_KINDS)
        assert kinds[0] == "verification.started"
        assert kinds[-1] == "verification.finished"
        assert kinds.count("verification.started") == kinds.count("verification.finished") == 1
        progress = [VerificationRun.model_validate(e.payload) for e in mine[1:-1]]
        assert progress, "no progress was reported"
        assert {e.kind for e in mine[1:-1]} == {"verification.progress"}
        done = [p.done for p in progress]
        assert done == sorted(set(done))
        assert done[-1] == 4
        assert progress[-1].last is not None
        assert progress[-1].last.ok
        assert progress[-1].passed + progress[-1].failed == 4
        started = VerificationRun.model_validate(mine[0].payload)
        assert (started.provider, started.provider_version, started.total) == (
            "castle-service",
            "2.0.0",
            4,
        )
        finished = VerificationRun.model_validate(mine[-1].payload)
        assert (finished.state, finished.total, finished.passed, finished.failed) == (
            "passed",
            4,
            4,
            0,
        )
        assert (finished.fixtures_created, finished.verifications) == (4, [stored.id])
        created = [e for e in events if e.kind == "fixture.created"]
        assert sorted(e.payload["id"] for e in created) == sorted(f.id for f in drafts)
        assert max(e.seq for e in created) < mine[-1].seq  # announced before the end

        # listed, with its state and counts; the second run's drafts are de-duplicated
        [listed] = client.verification_runs()
        assert (listed.id, listed.state, listed.done) == (report.run_id, "passed", 4)
        with ThreadServer(app) as url:
            again = provider.verify(url, state_handlers=seed_handlers(app))
        assert again.ok
        assert again.stored
        assert again.fixtures == []  # createCastle's fresh id is not a new draft
        assert len(client.fixtures(provider="castle-service")) == 4
        assert [r.id for r in client.verification_runs()] == [again.run_id, report.run_id]


def test_failures_reach_the_finished_event(daemon: Daemon, castles: Any) -> None:
    daemon.start()
    record_consumer_run()
    provider = create_provider(name="castle-service", version="2.0.0", spec=SPEC)
    server, app = serve(castles, "type-changed")
    handlers = seed_handlers(app)
    del handlers["deleteCastle"]  # a missing handler: a state_handler_error
    with server as url:
        report = provider.verify(url, state_handlers=handlers)
    assert not report.ok
    assert report.stored
    with daemon.client() as client:
        run = client.verification_run(report.run_id or "")
    assert run is not None
    assert (run.state, run.passed, run.failed, run.failures_total) == ("failed", 0, 4, 4)
    failures = {f.operation_id: f for f in run.failures}
    get = failures["getCastle"]
    assert (get.kind, get.path, get.consumer) == ("schema_mismatch", "$.yearBuilt", "castle-client")
    assert get.request == "GET /castles/3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
    assert get.actual == "1623"
    assert get.expected is not None
    missing = failures["deleteCastle"]
    assert missing.kind == "state_handler_error"
    assert missing.state_handler_error is not None
    assert "no state handler for 'deleteCastle'" in missing.state_handler_error


def test_a_daemon_dying_mid_run_does_not_stop_the_verification(
    daemon: Daemon, castles: Any
) -> None:
    daemon.start()
    record_consumer_run()
    provider = create_provider(name="castle-service", version="2.0.0", spec=SPEC)
    server, app = serve(castles)
    handlers = seed_handlers(app)
    reset = handlers["getCastle"]

    def kill_the_daemon() -> None:
        daemon.kill()
        reset()

    handlers["getCastle"] = kill_the_daemon
    with server as url, warnings.catch_warnings():
        # httpcore leaks the socket of a refused Unix-socket connection (it does not close
        # it when connect() fails): the next report to the dead daemon is one.
        warnings.simplefilter("ignore", ResourceWarning)
        report = provider.verify(url, state_handlers=handlers)
        gc.collect()
    assert report.ok  # every interaction was verified
    assert report.total == 4
    assert not report.stored
    assert report.fixtures == []
    assert report.note is not None
    assert "NOT stored" in report.note
    assert "daemon" in report.note


def test_run_endpoints_refuse_clearly(daemon: Daemon) -> None:
    daemon.start(tcp=True)
    with daemon.http() as http:
        bad = http.post("/v1/verification-runs", json={"provider": "p", "total": -1})
        assert bad.status_code == 400
        assert bad.json()["error"].startswith("verification run.")
        assert http.get("/v1/verification-runs/nope").status_code == 404
        unknown = http.post("/v1/verification-runs/nope/progress", json={})
        assert unknown.status_code == 400  # the body is checked first
        lost = http.post(
            "/v1/verification-runs/nope/progress", json={"done": 1, "passed": 1, "failed": 0}
        )
        assert lost.status_code == 404
        assert "no verification run 'nope'" in lost.json()["error"]

        opened = http.post(
            "/v1/verification-runs",
            json={"provider": "castle-service", "provider_version": "2.0.0", "total": 1},
        )
        assert opened.status_code == 201
        run_id = opened.json()["id"]
        again = http.post(
            "/v1/verification-runs",
            json={"id": run_id, "provider": "x", "provider_version": "1", "total": 1},
        )
        assert again.status_code == 409
        other = {"provider": "other", "provider_version": "2.0.0", "consumer": "c"}
        wrong = http.post(
            f"/v1/verification-runs/{run_id}/finish",
            json={"verifications": [{**other, "consumer_version": "1"}]},
        )
        assert wrong.status_code == 400
        assert "verifications[0] is for other 2.0.0" in wrong.json()["error"]
        both = http.post(
            f"/v1/verification-runs/{run_id}/finish",
            json={"error": "x", "verifications": [{**other, "consumer_version": "1"}]},
        )
        assert both.status_code == 400

        # the TCP listener's app shares the runs with the socket's
        with DaemonClient.connect(daemon.home, prefer_tcp=True) as tcp:
            assert tcp.endpoint.socket is None
            seen = tcp.verification_run(run_id)
            assert seen is not None
            assert seen.state == "running"
            ended = tcp.abandon_verification_run(run_id, "the provider never came up")
        assert (ended.run.state, ended.run.error) == ("error", "the provider never came up")
        late = http.post(f"/v1/verification-runs/{run_id}/finish", json={"error": "again"})
        assert late.status_code == 409
        assert "already finished" in late.json()["error"]
    with daemon.client() as client:
        assert client.verification_run("nope") is None
        assert client.verifications() == []  # an abandoned run stores nothing

        # a fixture proposed with credentials is stored without them
        run = client.open_verification_run("castle-service", "2.0.0", total=0)
        secret = Fixture(
            provider="castle-service",
            operation_id="getCastle",
            source=FixtureSource.PROVIDER,
            request=HttpRequest(
                method="GET",
                path="/castles/1",
                headers={"Authorization": "Bearer s3cret", "Accept": "application/json"},
                query={"api_key": ["s3cret"], "page": ["1"]},
            ),
            response=HttpResponse(status=200, headers={"Set-Cookie": "session=s3cret"}),
        )
        finished = client.finish_verification_run(run.id, [], [secret])
        [stored] = client.fixtures(provider="castle-service")
        assert [f.id for f in finished.fixtures] == [stored.id]
        assert "s3cret" not in stored.model_dump_json()
        assert stored.request.headers == {"Accept": "application/json"}
        assert stored.request.query == {"api_key": ["[REDACTED]"], "page": ["1"]}
        assert stored.content_hash == stored.compute_hash()
        assert finished.run.state == "passed"


class FakeClient:
    """Stands in for `DaemonClient` to count progress reports (or to fail)."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.progress: list[int] = []
        self.fail_at = fail_at

    def open_verification_run(self, *args: Any, **kwargs: Any) -> Any:
        return type("Opened", (), {"id": "run-1"})()

    def report_verification_progress(self, run_id: str, *, done: int, **kwargs: Any) -> int:
        if done == self.fail_at:
            raise DaemonError("gone")
        self.progress.append(done)
        return done


def step(run: DaemonRun, n: int) -> None:
    interaction = Interaction(
        consumer="c",
        consumer_version="1",
        provider="p",
        provider_version="1",
        request=HttpRequest(method="GET", path=f"/{n}"),
        response=HttpResponse(status=200),
    )
    run.step(interaction, Result(interaction_id=interaction.id, ok=True))


def test_progress_is_throttled_but_the_last_is_always_sent() -> None:
    now = [0.0]
    fake = FakeClient()
    run = DaemonRun(fake, clock=lambda: now[0])  # type: ignore[arg-type]
    run.open("p", "1", total=100, environment="local")
    for n in range(1, 101):
        now[0] += 0.01  # a hundred interactions a second
        step(run, n)
    assert fake.progress[0] == 1
    assert fake.progress[-1] == 100
    assert 10 <= len(fake.progress) <= 12  # about ten a second, plus the last

    failing = FakeClient(fail_at=1)
    lost = DaemonRun(failing, clock=lambda: now[0])  # type: ignore[arg-type]
    lost.open("p", "1", total=3, environment="local")
    for n in range(1, 4):
        now[0] += 1.0
        step(lost, n)
    assert failing.progress == []  # no more reports once the daemon failed
    assert lost.finish([], [], 0) is None
    assert lost.note is not None
    assert "gone" in lost.note
