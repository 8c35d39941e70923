"""``entente fixtures``: the approval workflow over a seeded store (the commands run in this
process, `tests.in_process`; a real daemon for the one that goes through it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entente_daemon.model import (
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
)
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon
from tests.in_process import Ran
from tests.in_process import entente as entente_in_process

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
CASTLE_ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
JSON = {"content-type": "application/json"}


def fixture(fixture_id: str, operation: str, body: object, **fields: object) -> Fixture:
    values: dict[str, object] = {
        "id": fixture_id,
        "provider": "castle-service",
        "operation_id": operation,
        "request": HttpRequest(method="GET", path="/castles"),
        "response": HttpResponse(status=200, headers=JSON, body=body),
    }
    values.update(fields)
    return Fixture.model_validate(values)


GOOD_CASTLE = {"id": CASTLE_ID, "name": "Chambord", "region": "Centre", "yearBuilt": 1519}
SEED = [
    fixture("aaa11111", "listCastles", [GOOD_CASTLE]),
    fixture(
        "aab22222",
        "getCastle",
        # No longer fits the castle spec: yearBuilt is an integer there.
        {**GOOD_CASTLE, "yearBuilt": "long ago"},
        request=HttpRequest(method="GET", path=f"/castles/{CASTLE_ID}"),
    ),
    fixture("bbb33333", "getCastle", GOOD_CASTLE, status=FixtureStatus.APPROVED),
    fixture("ccc44444", "listCastles", [], provider="other-service"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    with Store.open(home / "store") as store:
        for f in SEED:
            store.fixtures.add(f)
    return home


def entente(home: Path, *args: str) -> Ran:
    # here: no project config, so the spec comes from --spec or nowhere
    return entente_in_process(home, "fixtures", *args, cwd=home.parent)


def stored(home: Path, fixture_id: str) -> Fixture:
    with Store.open(home / "store", readonly=True) as store:
        found = store.fixtures.get(fixture_id)
    assert found is not None
    return found


def listed(home: Path, *args: str) -> list[str]:
    done = entente(home, "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["source"] == "store"
    return [f["id"] for f in body["fixtures"]]


def test_list_table_shows_short_ids_and_columns(home: Path) -> None:
    done = entente(home, "list")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == [
        "id",
        "provider",
        "operation",
        "status",
        "source",
        "prio",
        "resp",
        "created",
        "request",  # issue 12: the list shows each fixture's request
        "notes",
    ]
    assert rows[0].split()[:7] == [
        "aaa11111",
        "castle-service",
        "listCastles",
        "draft",
        "manual",
        "0",
        "200",
    ]
    assert rows[-1] == "4 fixture(s), from the store"


def test_list_filters(home: Path) -> None:
    assert listed(home) == ["aaa11111", "aab22222", "bbb33333", "ccc44444"]
    assert listed(home, "--service", "castle-service", "--status", "draft") == [
        "aaa11111",
        "aab22222",
    ]
    assert listed(home, "--operation", "getCastle") == ["aab22222", "bbb33333"]
    assert listed(home, "--status", "approved") == ["bbb33333"]


def test_show_reports_what_no_longer_fits_the_spec(home: Path) -> None:
    done = entente(home, "show", "aab", "--spec", str(CASTLE))
    assert done.returncode == 0, done.stderr
    assert "fixture   aab22222" in done.stdout
    assert '"yearBuilt": "long ago"' in done.stdout  # the body, pretty-printed
    assert "spec check: 1 problem(s)" in done.stdout
    assert "$.yearBuilt: 'long ago' is not of type 'integer'" in done.stdout

    report = json.loads(entente(home, "show", "aab", "--spec", str(CASTLE), "--json").stdout)
    assert report["fixture"]["id"] == "aab22222"
    assert report["spec_check"]["valid"] is False
    assert len(report["spec_check"]["problems"]) == 1


def test_show_a_fitting_fixture_and_one_without_spec(home: Path) -> None:
    ok = entente(home, "show", "aaa1", "--spec", str(CASTLE))
    assert "spec check: ok, the response fits" in ok.stdout
    unknown = json.loads(entente(home, "show", "ccc", "--json").stdout)
    assert unknown["spec_check"] == {"spec": None, "valid": None, "problems": []}


@pytest.mark.parametrize(
    ("commands", "message"),
    [
        ([("show", "aa"), ("approve", "aa")], "'aa' is the start of 2 fixture ids (aaa11111, "),
        ([("reject", "zzz"), ("note", "zzz", "x")], "no fixture has an id starting with 'zzz'"),
    ],
)
def test_ambiguous_or_unknown_id_is_one_line_exit_2(
    home: Path, commands: list[tuple[str, ...]], message: str
) -> None:
    for args in commands:
        done = entente(home, *args)
        assert done.returncode == 2, args
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("error: ")
        assert message in line
    assert stored(home, "aaa11111").status is FixtureStatus.DRAFT


def test_approve_single_by_prefix(home: Path) -> None:
    done = entente(home, "approve", "aab2", "--by", "alice")
    assert done.returncode == 0, done.stderr
    assert "approved aab22222 castle-service getCastle" in done.stdout
    approved = stored(home, "aab22222")
    assert approved.status is FixtureStatus.APPROVED
    assert approved.approved_by == "alice"
    assert stored(home, "aaa11111").status is FixtureStatus.DRAFT
    with Store.open(home / "store", readonly=True) as store:
        [event] = store.events.since(0)
    assert event.kind == EventKind.FIXTURE_APPROVED
    assert event.payload["id"] == "aab22222"


def test_bulk_approve_drafts_of_a_service(home: Path) -> None:
    done = entente(home, "approve", "--service", "castle-service", "--operation", "listCastles")
    assert done.returncode == 0, done.stderr
    assert stored(home, "aaa11111").status is FixtureStatus.APPROVED
    assert stored(home, "aab22222").status is FixtureStatus.DRAFT  # another operation
    assert stored(home, "ccc44444").status is FixtureStatus.DRAFT  # another provider

    entente(home, "approve", "--service", "castle-service")
    assert listed(home, "--service", "castle-service", "--status", "draft") == []


def test_approve_needs_ids_or_service(home: Path) -> None:
    done = entente(home, "approve")
    assert done.returncode == 2
    assert "give fixture ids, or --service" in done.stderr


def test_reject_with_note_then_edit_the_note(home: Path) -> None:
    done = entente(home, "reject", "bbb", "--note", "castle was demolished")
    assert done.returncode == 0, done.stderr
    rejected = stored(home, "bbb33333")
    assert rejected.status is FixtureStatus.REJECTED
    assert rejected.notes == "castle was demolished"
    assert rejected.approved_by is None

    assert entente(home, "note", "bbb", "rebuilt in 2020").returncode == 0
    assert stored(home, "bbb33333").notes == "rebuilt in 2020"
    table = entente(home, "list", "--status", "rejected").stdout
    assert "rebuilt in 2020" in table


def test_a_locked_store_is_a_clear_error(home: Path) -> None:
    with Store.open(home / "store"):  # another writer holds the lock
        done = entente(home, "approve", "aaa")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot change fixtures:")
    assert "open for writing" in line
    assert stored(home, "aaa11111").status is FixtureStatus.DRAFT


def test_approve_goes_through_a_running_daemon(home: Path) -> None:
    daemon = Daemon(home)
    daemon.start()
    try:
        done = entente(home, "approve", "aab", "--by", "bob")
        assert done.returncode == 0, done.stderr
        assert entente(home, "note", "aab", "seen by bob").returncode == 0
        with daemon.client() as client:
            events = client.events_since(0).events
            [fixture_now] = [f for f in client.fixtures() if f.id == "aab22222"]
        listing = json.loads(entente(home, "list", "--json").stdout)
    finally:
        daemon.ensure_gone()
    approved = [e for e in events if e.kind == EventKind.FIXTURE_APPROVED]
    assert [e.payload["id"] for e in approved] == ["aab22222"]
    assert approved[0].payload["by"] == "bob"
    assert fixture_now.status is FixtureStatus.APPROVED
    assert fixture_now.notes == "seen by bob"
    assert listing["source"] == "daemon"
