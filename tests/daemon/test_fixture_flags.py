"""Approved fixtures flagged by a real daemon when the provider's spec changes under them: the
``fixture.flagged`` event, the alert, the mock passing over the fixture, and all of it
cleared when the spec is fixed; and ``entente fixtures check`` through the daemon."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from entente_daemon.client import DaemonClient
from entente_daemon.model import EventKind, Fixture, FixtureStatus, HttpRequest, HttpResponse

from .castle_project import CastleProject, castle_project, is_event, last_seq, wait_for_event
from .conftest import Daemon, entente_cli, wait_for

VERSAILLES_ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
PALACE = {"id": VERSAILLES_ID, "name": "The Palace", "region": "Île-de-France", "yearBuilt": 1623}
# Castle's yearBuilt (CastleCreate's has a minimum after it): an integer, made a string.
CASTLE_YEAR = "        yearBuilt:\n          type: integer\n        description:"
FLAGGED = EventKind.FIXTURE_FLAGGED.value


def year_as_string(spec: str) -> str:
    assert spec.count(CASTLE_YEAR) == 1, "the castle spec changed: update this test"
    return spec.replace(CASTLE_YEAR, CASTLE_YEAR.replace("integer", "string"))


def approved_palace(client: DaemonClient) -> Fixture:
    fixture = Fixture(
        provider="castle-service",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{VERSAILLES_ID}"),
        response=HttpResponse(
            status=200, headers={"content-type": "application/json"}, body=PALACE
        ),
    )
    client.upload_interactions([], [fixture])
    return client.approve(fixture.id, by="alice")


def mock_source(project: CastleProject) -> str | None:
    response = httpx.get(f"{project.url}/castles/{VERSAILLES_ID}", timeout=10)
    assert response.status_code == 200
    source: str | None = response.headers.get("x-entente-source")
    return source


def flag_alerts(client: DaemonClient, fixture_id: str) -> list[list[str]]:
    return [
        a.payload["problems"]
        for a in client.alerts()
        if a.kind == EventKind.FIXTURE_FLAGGED and a.payload.get("id") == fixture_id
    ]


def test_a_spec_edit_flags_an_approved_fixture_and_fixing_it_clears_it(
    daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    daemon.start()
    with daemon.client() as client:
        palace = approved_palace(client)
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
        wait_for(lambda: mock_source(project) == "fixture", what="the mock to use the fixture")

        since = last_seq(client)
        project.write_spec(year_as_string(good))
        flagged = wait_for_event(
            client, since, is_event(FLAGGED, id=palace.id), what="fixture.flagged"
        )
        [problem] = flagged.payload["problems"]
        assert problem.startswith("response body $.yearBuilt: 1623 is not of type 'string'")
        assert flagged.payload["cleared"] is False
        assert flagged.payload["spec"] == f"{project.spec} (version 1.0.0)"
        assert flag_alerts(client, palace.id) == [[problem]]
        [stored] = [f for f in client.fixtures(provider="castle-service") if f.id == palace.id]
        assert stored.status is FixtureStatus.APPROVED  # flagged, still approved
        assert stored.flag is not None
        assert stored.flag.event_seq == flagged.seq
        assert mock_source(project) != "fixture"  # the mock passes over it meanwhile

        project.write_spec(good)
        cleared = wait_for_event(
            client, flagged.seq, is_event(FLAGGED, id=palace.id), what="the flag cleared"
        )
        assert (cleared.payload["problems"], cleared.payload["cleared"]) == ([], True)
        assert flag_alerts(client, palace.id) == []
        assert mock_source(project) == "fixture"


def test_fixtures_check_goes_through_the_daemon(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text(year_as_string(project.spec.read_text(encoding="utf-8")), "utf-8")
    daemon.start()
    with daemon.client() as client:
        palace = approved_palace(client)
        since = last_seq(client)

        done = entente_cli(daemon.home, "fixtures", "check", "--spec", str(broken), "--json")
        assert done.returncode == 1, done.stderr  # something is flagged
        body = json.loads(done.stdout)
        assert body["source"] == "daemon"
        [report] = body["reports"]
        assert (report["checked"], report["announced"]) == (1, [palace.id])
        event = wait_for_event(client, since, is_event(FLAGGED, id=palace.id), what="the flag")
        assert event.payload["spec"] == f"{broken} (version 1.0.0)"

        listed = entente_cli(daemon.home, "fixtures", "list", "--flagged")
        assert listed.returncode == 0, listed.stderr
        [row] = [line.split() for line in listed.stdout.splitlines() if palace.id[:8] in line]
        assert row[:5] == [palace.id[:8], "castle-service", "getCastle", "approved", "⚑"]

        fixed = entente_cli(daemon.home, "fixtures", "check", "--spec", str(project.spec))
        assert fixed.returncode == 0, fixed.stderr
        assert f"{palace.id[:8]} fits again: its flag is cleared" in fixed.stdout
        assert "(flags stored through the daemon)" in fixed.stdout
        assert flag_alerts(client, palace.id) == []
