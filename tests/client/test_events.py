"""The typed event contract: a model for every kind, each one round-trips through the wire
frame, the payloads keep the field names they always had, and a kind this version does not
know still reads (and is shown as a notice)."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import entente_daemon
from entente_daemon.client import event_from_wire, event_to_wire
from entente_daemon.client.events import (
    PAYLOADS,
    BreakingBaseline,
    BreakingChange,
    BreakingChangeItem,
    BreakingCounts,
    BreakingImpact,
    ConfigError,
    DeploymentRecorded,
    FixtureApproved,
    FixtureCreated,
    FixtureFlagged,
    FixtureRejected,
    InteractionRecorded,
    InteractionsDeleted,
    InteractionsPromoted,
    MockError,
    Payload,
    ProjectAttached,
    ProjectDetached,
    ProjectError,
    ReadinessChanged,
    ReleaseRecorded,
    SpecError,
    SpecReloaded,
    StoreError,
    StoreSampled,
    SyncError,
    SyncProgress,
    TestFinished,
    TestRunFinished,
    TestRunStarted,
    TestStarted,
    UnknownPayload,
    VerificationFinished,
    VerificationProgress,
    VerificationStarted,
    event_of,
    is_known,
    parse_payload,
)
from entente_daemon.daemon.services.kinds import ALERT_KINDS
from entente_daemon.model import Event, EventKind
from entente_tui.alerts_text import (
    alert_summary,
    alert_what,
    alert_where,
    is_alert,
    label_of,
    severity_of,
)
from tests.daemon.conftest import interaction as made

WHEN = datetime(2025, 3, 14, 9, 45, tzinfo=UTC)
RUN: dict[str, Any] = {
    "id": "run-1",
    "provider": "castle-service",
    "provider_version": "2.0.0",
    "started_at": WHEN,
}

#: one payload of every kind, as the daemon makes them
SAMPLES: list[Payload] = [
    InteractionRecorded(
        id="i1",
        new=True,
        consumer="castle-client",
        provider="castle-service",
        operation_id="getCastle",
        method="GET",
        path="/castles/1",
        status=200,
        test_id="tests/test_a.py::test_b",
        run_id="r1",
        source="example",
        duration_ms=1.5,
        timestamp=WHEN,
        last_seen=None,
        count=1,
        total=1,
    ),
    InteractionsDeleted(ids=["i1", "i2"]),
    InteractionsPromoted(ids=["i3"]),
    FixtureCreated(id="f1", provider="castle-service", operation_id="getCastle", status="draft"),
    FixtureApproved(id="f1", provider="p", operation_id="o", status="approved", by="me", note=None),
    FixtureRejected(id="f1", provider="p", operation_id="o", status="rejected", by=None, note="no"),
    FixtureFlagged(
        id="f1",
        provider="p",
        operation_id="o",
        status="approved",
        problems=["status 201 is not documented"],
        spec="openapi.yaml (2.0.0)",
        cleared=False,
    ),
    SpecReloaded(
        event="spec.reloaded",
        provider="castle-service",
        file="openapi.yaml",
        files=["openapi.yaml"],
        version="2.0.0",
        operations=4,
        reload_ms=12.5,
    ),
    SpecError(event="spec.error", file="openapi.yaml", line=16, column=14, message="bad"),
    MockError(event="mock.error", provider="castle-service", message="cannot listen", port=80),
    ConfigError(event="config.error", config="entente.toml", key="providers[0].bogus", line=3),
    ProjectError(event="project.error", config="entente.toml", message="gone"),
    ProjectAttached(event="project.attached", config="entente.toml", service="castle-client"),
    ProjectDetached(event="project.detached", config="entente.toml", service="castle-client"),
    StoreError(event="store.error", message="disk full", pending=3, path="/h/store"),
    StoreSampled(provider="castle-service", consumer="castle-client", status=200, kept=20),
    TestRunStarted(run_id="r1", project="entente.toml"),
    TestRunFinished(run_id="r1", project="entente.toml", counts={"passed": 2, "failed": 0}),
    TestStarted(run_id="r1", project="entente.toml", test_id="t::a"),
    TestFinished(run_id="r1", project="entente.toml", test_id="t::a", outcome="passed"),
    VerificationStarted.model_validate(RUN),
    VerificationProgress.model_validate({**RUN, "total": 3, "done": 1, "passed": 1}),
    VerificationFinished.model_validate({**RUN, "state": "passed", "finished_at": WHEN}),
    BreakingChange(
        provider="castle-service",
        spec="castle-service/openapi.yaml",
        file="castle-service/openapi.yaml",
        consumer="castle-client",
        version="1.0.0",
        baseline=BreakingBaseline(source="git", version="1.0.0", ref="3f86533"),
        changes=[
            BreakingChangeItem(
                rule="response-property-removed",
                level="breaking",
                side="response",
                operation="GET /castles/{id}",
                path="/castles/{id}",
                method="get",
                status="200",
                pointer="/region",
                spec_pointer="/components/schemas/Castle/properties/region",
                file="castle-service/openapi.yaml",
                line=181,
                message="GET /castles/{id} response 200 at /region: property removed",
                old_schema={"type": "string"},
                introduced=True,
                impacts=[
                    BreakingImpact(
                        consumer="castle-client",
                        consumer_version="1.0.0",
                        test="tests/test_castles.py::test_get_castle",
                        operation="GET /castles/{id}",
                        field="region",
                        interaction_id="i1",
                        message="breaks castle-client 1.0.0 (test_get_castle): ...",
                    )
                ],
            )
        ],
        consumers=["castle-client 1.0.0"],
        counts=BreakingCounts(breaking=1, consumers=1),
        save=2,
        detect_ms=41.5,
        message="1 breaking, 0 warning change(s); breaks castle-client 1.0.0",
    ),
    DeploymentRecorded(
        id="d1",
        service="castle-service",
        version="2.0.0",
        environment="prod",
        status="successful",
        previous="1.0.0",
    ),
    ReleaseRecorded(service="castle-app", version="3.1.0", environment="prod", supported=True),
    ReadinessChanged(environments=["prod"], services=["castle-service"], cause="deployment"),
    SyncProgress(message="3 of 9"),
    SyncError(message="the broker is away"),
]


def test_every_kind_has_a_model_and_a_sample() -> None:
    assert set(PAYLOADS) == set(EventKind)
    assert {type(sample).KIND for sample in SAMPLES} == set(EventKind)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.KIND.value)
def test_every_kind_round_trips_through_the_wire_frame(sample: Payload) -> None:
    sent = event_of(sample).model_copy(update={"seq": 7})
    frame = json.loads(json.dumps(event_to_wire(sent)))
    assert frame["v"] == 1
    assert frame["kind"] == sample.KIND.value

    got = event_from_wire(frame)
    assert got == sent
    assert got.kind is sample.KIND
    parsed = parse_payload(got)
    assert type(parsed) is type(sample)
    assert parsed == sample


def test_the_interaction_payload_keeps_its_field_names_and_formats() -> None:
    interaction = made(1, duration_ms=2.0, timestamp=WHEN, count=2)
    payload = InteractionRecorded.of(interaction, id="i1", new=False, total=5).to_payload()
    assert payload == {
        "id": "i1",
        "new": False,
        "consumer": "castle-client",
        "provider": "castle-service",
        "operation_id": "getCastle",
        "method": "GET",
        "path": "/castles/1",
        "status": 200,
        "test_id": None,
        "run_id": None,
        "source": None,
        "duration_ms": 2.0,
        "timestamp": WHEN.isoformat(),
        "last_seen": None,
        "count": 2,
        "total": 5,
    }


def test_an_optional_field_left_out_stays_out_and_the_event_name_is_always_sent() -> None:
    junit = SpecError(event="junit.error", file="report.xml", line=3, message="bad xml")
    assert junit.to_payload() == {
        "event": "junit.error",
        "file": "report.xml",
        "line": 3,
        "message": "bad xml",
    }
    assert MockError(message="m").to_payload() == {"event": "mock.error", "message": "m"}
    assert "test_id" not in TestRunStarted(run_id="r", project="p").to_payload()


def test_a_stored_event_of_an_older_daemon_still_reads() -> None:
    """What a ``spec.error`` for a mock looked like before it had a kind of its own."""
    old = Event(
        kind=EventKind.SPEC_ERROR,
        payload={"event": "mock.error", "provider": "p", "message": "cannot listen", "port": 1},
    )
    parsed = parse_payload(old)
    assert isinstance(parsed, SpecError)
    assert parsed.message == "cannot listen"
    assert parsed.model_extra == {"port": 1}


def test_a_payload_that_does_not_fit_its_kind_reads_as_unknown() -> None:
    odd = Event(kind=EventKind.INTERACTION_RECORDED, payload={"new": True})
    parsed = parse_payload(odd)
    assert isinstance(parsed, UnknownPayload)
    assert parsed.kind == "interaction.recorded"
    assert parsed.problem is not None
    assert "id" in parsed.problem


NEWER: dict[str, Any] = {
    "v": 2,
    "seq": 9,
    "kind": "castle.besieged",
    "time": WHEN.isoformat(),
    "payload": {"message": "the gate fell", "file": "/a/b/castle.yaml", "line": 4},
    "trace": "abc",
}


def test_an_unknown_kind_from_a_newer_daemon_is_read_not_fatal() -> None:
    event = event_from_wire(NEWER)
    assert event.kind == "castle.besieged"
    assert not is_known(event)
    assert event.seq == 9
    parsed = parse_payload(event)
    assert parsed == UnknownPayload(kind="castle.besieged", data=NEWER["payload"])
    # and it travels on as it came (``entente events`` prints it)
    assert event_to_wire(event) == {key: NEWER[key] for key in ("seq", "kind", "payload")} | {
        "v": 1,
        "time": "2025-03-14T09:45:00Z",
    }


def test_the_tui_lists_an_unknown_kind_as_a_notice() -> None:
    event = event_from_wire(NEWER)
    assert is_alert(event)
    assert severity_of(event) == "information"
    assert label_of(event) == "castle.besieged"
    assert alert_where(event) == "b/castle.yaml:4"
    assert alert_what(event) == "the gate fell"
    assert alert_summary(event) == "b/castle.yaml:4 the gate fell"


@pytest.mark.parametrize(
    "kind", [EventKind.MOCK_ERROR, EventKind.CONFIG_ERROR, EventKind.PROJECT_ERROR]
)
def test_the_former_spec_errors_are_alerts_that_read_as_before(kind: EventKind) -> None:
    assert kind in ALERT_KINDS
    payload = {"event": kind.value, "config": "/a/b/entente.toml", "message": "it  broke"}
    now = Event(kind=kind, payload=payload)
    before = Event(kind=EventKind.SPEC_ERROR, payload=payload)
    assert is_alert(now)
    for shown in (severity_of, label_of, alert_where, alert_what, alert_summary):
        assert shown(now) == shown(before)


def _bare_payloads(source: str) -> list[int]:
    """The lines of ``Event(...)``, ``publish(...)`` and ``emit(...)`` calls whose payload
    is not a model's (``x.to_payload()``, with ``x.KIND`` as the kind), and of ``emit`` calls
    of events not made by ``event_of``; the recorder's own ``emit`` passes its arguments on."""
    bare: list[int] = []

    def is_call_of(node: ast.expr | None, name: str) -> bool:
        return isinstance(node, ast.Call) and name in {
            getattr(node.func, "attr", None),
            getattr(node.func, "id", None),
        }

    def visit(node: ast.AST, inside: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside = node.name
        if isinstance(node, ast.Call) and inside != "emit":
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "Event" and ("payload" in keywords or "kind" in keywords):
                bare.append(node.lineno)  # made by hand, not by `event_of`
            elif name in {"publish", "emit"} and len(node.args) == 2:
                kind, payload = node.args
                if getattr(kind, "attr", None) != "KIND" or not is_call_of(payload, "to_payload"):
                    bare.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(source), "")
    return bare


def test_every_event_the_daemon_emits_is_built_from_a_model() -> None:
    root = Path(entente_daemon.__file__).parent
    files = [*(root / "daemon" / "services").glob("*.py"), *(root / "fixtures").glob("*.py")]
    bare = {f.name: lines for f in files if (lines := _bare_payloads(f.read_text("utf-8")))}
    assert bare == {}


def test_the_emitters_check_finds_a_bare_payload() -> None:
    source = """
async def report(bus, error):
    await bus.publish(EventKind.SPEC_ERROR, {"message": "m"})
    await bus.publish(error.KIND, error.to_payload())
    return [Event(kind=EventKind.STORE_ERROR, payload={}), event_of(error)]
"""
    assert _bare_payloads(source) == [3, 5]


def test_the_finer_names_of_a_store_error_weigh_as_they_say() -> None:
    recovered = event_of(StoreError(event="store.recovered", message="writes again"))
    failed = event_of(
        StoreError(event="record.error", message="1 could not be recorded", interactions=["x"])
    )
    assert is_alert(recovered)
    assert severity_of(recovered) == "information"
    assert label_of(failed) == "record.error"
    assert severity_of(failed) == "error"
    assert parse_payload(failed) == StoreError(
        event="record.error", message="1 could not be recorded", interactions=["x"]
    )
