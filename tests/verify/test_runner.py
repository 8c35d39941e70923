"""Provider verification end to end, in process: interactions recorded by a real mock of the
castle API (the castle client's project), replayed against the real castle-service served by
uvicorn on 127.0.0.1, results and draft fixtures stored in a temporary home."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.consumer import create_client
from entente_daemon.model import ErrorKind, FixtureSource, FixtureStatus
from entente_daemon.store import Store
from entente_daemon.verify.provider import (
    Provider,
    VerifyError,
    create_provider,
)
from tests.verify.test_castle_service import SERVICE, VERSAILLES, ThreadServer, free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "examples" / "castle-client"
SPEC = SERVICE / "openapi.yaml"
CHAMBORD = {
    "name": "Château de Chambord",
    "region": "Centre-Val de Loire",
    "yearBuilt": 1519,
    "description": "Renaissance château built for Francis I.",
}
OPERATIONS = ["listCastles", "getCastle", "createCastle", "deleteCastle"]


def record_consumer_run() -> None:
    """What the castle client's tests would do: talk to a recording mock, which uploads.
    Made by a test (attributed to one), so it is the castle client's contract."""
    client = create_client(CLIENT, recording=True)
    with (
        client.context.test("tests/test_castles.py::test_the_castle_client"),
        client.create_mock("castle-service", port=0) as mock,
        httpx.Client(base_url=mock.url) as http,
    ):
        assert http.get("/castles").status_code == 200
        assert http.get(f"/castles/{VERSAILLES}").status_code == 200
        assert http.post("/castles", json=CHAMBORD).status_code == 201
        assert http.delete(f"/castles/{VERSAILLES}").status_code == 204
    assert client.uploads[0].interactions == 4


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))
    record_consumer_run()
    return tmp_path / "home"


@pytest.fixture
def castles(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(SERVICE))
    # The package's ``app`` attribute is the default app; the module is what we want.
    return importlib.import_module("castle_service.app")


@pytest.fixture
def provider(home: Path) -> Provider:
    return create_provider(name="castle-service", version="2.0.0", spec=SPEC)


def serve(castles: Any, variant: str | None = None) -> tuple[ThreadServer, Any]:
    app = castles.create_app(variant, castles.CastleStore())
    return ThreadServer(app), app


def seed_handlers(app: Any, calls: list[str] | None = None) -> dict[str, Any]:
    """A handler per operation that resets the provider's catalogue to the seed castles."""

    def make(name: str) -> Any:
        def handler() -> None:
            if calls is not None:
                calls.append(name)
            app.store.reset()

        return handler

    return {name: make(name) for name in OPERATIONS}


def kinds(report: Any) -> dict[str, tuple[str | None, str | None]]:
    return {
        o.interaction.operation_id: (
            o.result.error_kind.value if o.result.error_kind else None,
            o.result.path,
        )
        for o in report.outcomes
    }


def test_good_build_passes_and_stores(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)
    with server as url:
        report = provider.verify(url, state_handlers=seed_handlers(app))
    assert report.summary().startswith("castle-service 2.0.0: 4/4 passed")
    assert report.ok
    assert report.stored
    assert report.note is None
    assert [v.consumer for v in report.verifications] == ["castle-client"]
    with Store.open(readonly=True) as store:
        stored = store.verifications.list(provider="castle-service")
        fixtures = store.fixtures.list(provider="castle-service")
    assert [(v.consumer_version, v.passed, v.failed) for v in stored] == [("1.0.0", 4, 0)]
    assert sorted(f.operation_id for f in fixtures) == sorted(OPERATIONS)
    assert {(f.status, f.source) for f in fixtures} == {
        (FixtureStatus.DRAFT, FixtureSource.PROVIDER)
    }
    created = next(f for f in fixtures if f.operation_id == "createCastle")
    assert created.response.status == 201
    assert created.response.body["name"] == CHAMBORD["name"]
    assert "date" not in {k.lower() for k in created.response.headers}

    # A second run makes the same fixtures (createCastle's answer differs only by its fresh
    # id, which the drafts' dedup key leaves out): no new draft.
    with ThreadServer(app) as url:
        again = provider.verify(url, state_handlers=seed_handlers(app))
    assert again.ok
    assert again.fixtures == []


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("type-changed", ("schema_mismatch", "$.yearBuilt")),
        ("field-removed", ("schema_mismatch", "$.region")),
    ],
)
def test_broken_variants_fail(
    provider: Provider, castles: Any, variant: str, expected: tuple[str, str]
) -> None:
    server, app = serve(castles, variant)
    with server as url:
        report = provider.verify(url, state_handlers=seed_handlers(app))
    assert not report.ok
    got = kinds(report)
    assert got["getCastle"] == expected
    assert got["createCastle"] == expected
    assert got["listCastles"] == ("schema_mismatch", "$[0]" + expected[1][1:])
    assert got["deleteCastle"] == (None, None)
    get = next(o for o in report.outcomes if o.interaction.operation_id == "getCastle")
    assert {(m.kind.value, m.path) for m in get.mismatches} == {
        expected,
        ("structure_mismatch", expected[1]),
    }
    with Store.open(readonly=True) as store:
        (stored,) = store.verifications.list(provider="castle-service")
        fixtures = store.fixtures.list(provider="castle-service")
    assert (stored.passed, stored.failed) == (1, 3)
    failed = next(r for r in stored.results if r.operation_id == "getCastle")
    assert (failed.error_kind, failed.path) == (ErrorKind(expected[0]), expected[1])
    assert [f.operation_id for f in fixtures] == ["deleteCastle"]  # only what passed


def test_handlers_in_order_with_cleanup_and_substitution(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)
    calls: list[str] = []
    handlers = seed_handlers(app, calls)

    def get_castle(id: str) -> dict[str, str]:  # noqa: A002 (the spec's parameter name)
        # The recording used Versailles's id; this provider makes its own.
        calls.append(f"getCastle({id})")
        app.store.reset([])
        castle = app.store.add_castle(
            "Château de Versailles",
            "Île-de-France",
            1623,
            "Louis XIII's hunting lodge, made a palace by Louis XIV.",
        )
        return {"id": castle["id"]}

    def create_castle(name: str, yearBuilt: int) -> None:  # noqa: N803 (the JSON field)
        calls.append(f"createCastle({name}, {yearBuilt})")

    handlers["getCastle"] = get_castle
    handlers["createCastle"] = create_castle
    with server as url:
        report = provider.verify(
            url, state_handlers=handlers, cleanup=lambda: calls.append("cleanup")
        )
    assert report.ok, report.summary()
    assert calls == [
        "listCastles",
        "cleanup",
        f"getCastle({VERSAILLES})",
        "cleanup",
        "createCastle(Château de Chambord, 1519)",
        "cleanup",
        "deleteCastle",
        "cleanup",
    ]
    get = next(o for o in report.outcomes if o.interaction.operation_id == "getCastle")
    assert get.sent is not None
    assert get.actual is not None
    new_id = get.actual.body["id"]
    assert new_id != VERSAILLES
    assert get.sent.path == f"/castles/{new_id}"
    assert get.interaction.request.path == f"/castles/{VERSAILLES}"


def test_provider_state_handler_wins(provider: Provider, castles: Any, home: Path) -> None:
    with Store.open() as store:
        (get,) = store.interactions.list(operation_id="getCastle")
        store.interactions.clear()
        store.interactions.add(get.model_copy(update={"provider_state": "versailles exists"}))
    server, app = serve(castles)
    calls: list[str] = []
    handlers = seed_handlers(app, calls)
    handlers["versailles exists"] = lambda: calls.append("state")
    with server as url:
        report = provider.verify(url, state_handlers=handlers)
    assert report.ok
    assert calls == ["state"]


def test_raising_handler_fails_loudly(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)
    handlers = seed_handlers(app)

    def broken() -> None:
        raise RuntimeError("database is down")

    handlers["getCastle"] = broken
    with server as url:
        report = provider.verify(url, state_handlers=handlers)
    assert (report.passed, report.failed) == (3, 1)
    (failed,) = [o.result for o in report.outcomes if not o.result.ok]
    assert failed.error_kind is ErrorKind.STATE_HANDLER_ERROR
    assert failed.message is not None
    assert "state handler 'getCastle' raised RuntimeError: database is down" in failed.message


def test_cleanup_that_raises_fails_the_interaction(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)

    def cleanup(interaction: Any) -> None:
        if interaction.operation_id == "deleteCastle":
            raise OSError("cannot truncate")

    with server as url:
        report = provider.verify(url, state_handlers=seed_handlers(app), cleanup=cleanup)
    assert kinds(report)["deleteCastle"] == ("state_handler_error", None)
    assert report.failed == 1


def test_missing_handler_fail_or_continue(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)
    handlers = seed_handlers(app)
    del handlers["createCastle"]
    with server as url:
        failing = provider.verify(url, state_handlers=handlers)
        going_on = provider.verify(url, state_handlers=handlers, on_missing="continue")
    (missing,) = [o.result for o in failing.outcomes if not o.result.ok]
    assert missing.error_kind is ErrorKind.STATE_HANDLER_ERROR
    assert missing.message == "POST /castles: no state handler for 'createCastle'"
    assert going_on.ok
    created = next(o for o in going_on.outcomes if o.interaction.operation_id == "createCastle")
    assert created.result.message is not None
    assert "no state handler for 'createCastle'; replayed without state" in created.result.message
    assert created.actual is not None
    assert created.actual.status == 201


def test_only_new_skips_what_passed(provider: Provider, castles: Any) -> None:
    server, app = serve(castles)
    handlers = seed_handlers(app)
    del handlers["createCastle"]
    with server as url:
        first = provider.verify(url, state_handlers=handlers)
        handlers = seed_handlers(app)
        second = provider.verify(url, state_handlers=handlers, only_new=True)
        third = provider.verify(url, state_handlers=handlers, only_new=True)
        other_version = Provider("castle-service", "3.0.0", SPEC).verify(
            url, state_handlers=handlers, only_new=True
        )
    assert (first.passed, first.failed) == (3, 1)
    assert [o.interaction.operation_id for o in second.outcomes] == ["createCastle"]
    assert (second.skipped, second.ok) == (3, True)
    assert (third.total, third.skipped, third.ok) == (0, 4, True)
    assert (other_version.total, other_version.skipped) == (4, 0)


def test_errors_a_user_can_act_on(home: Path) -> None:
    with pytest.raises(VerifyError, match="name the provider"):
        create_provider()
    with pytest.raises(VerifyError, match="no spec for provider 'nobody'"):
        create_provider(name="nobody").verify("http://127.0.0.1:9")
    with pytest.raises(VerifyError, match="on_missing must be"):
        create_provider(name="castle-service", spec=SPEC).verify(
            "http://127.0.0.1:9",
            on_missing="skip",  # type: ignore[arg-type]
        )


def test_unreachable_provider_is_a_request_error(provider: Provider) -> None:
    report = provider.verify(f"http://127.0.0.1:{free_port()}", on_missing="continue")
    assert report.failed == 4
    assert {o.result.error_kind for o in report.outcomes} == {ErrorKind.REQUEST_ERROR}
