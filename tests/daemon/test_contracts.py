"""What a recording means, through the real daemon and the CLI (run in this process): stray
traffic is exploratory and never verified (unless promoted), each consumer version is
verified against its latest test run, and interactions and projects can be cleaned up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from entente_daemon.model import EventKind
from tests.in_process import Ran
from tests.in_process import entente as entente_in_process
from tests.verify.test_castle_service import SERVICE
from tests.verify.test_verify_cli import Service

from .castle_project import (
    CastleProject,
    castle_project,
    is_event,
    last_seq,
    run_castle_tests,
    wait_for_event,
)
from .conftest import Daemon, env_for, wait_for


def entente(home: Path, *args: str, cwd: Path | None = None, stdin: str = "") -> Ran:
    """``entente ARGS`` in this process (`tests.in_process`), the castle service's state
    handlers imported from the project it runs in."""
    return entente_in_process(
        home, *args, cwd=cwd, env={"PYTHONPATH": None}, stdin=stdin, fresh=("castle_service",)
    )


def listed(home: Path, *args: str) -> list[dict[str, Any]]:
    done = entente(home, "interactions", "list", "--json", "--limit", "1000", *args)
    assert done.returncode == 0, done.stderr
    items: list[dict[str, Any]] = json.loads(done.stdout)["interactions"]
    return items


def provider_copy(root: Path, url: str) -> Path:
    """The castle service's project, its base URL ``url``."""
    copy = root / "castle-service-project"
    shutil.copytree(SERVICE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    config = copy / "entente.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("http://127.0.0.1:8000", url), encoding="utf-8")
    return copy


def verify(home: Path, root: Path) -> dict[str, Any]:
    """``entente verify --json`` in the castle service's project, against the real service;
    the report, with ``verified``: the ids of the interactions replayed."""
    with Service(None, {k: v for k, v in env_for(home).items() if k != "PYTHONPATH"}) as url:
        project = provider_copy(root / url.rsplit(":", 1)[-1], url)
        done = entente(home, "verify", "--json", cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    report["verified"] = {
        r["interaction_id"] for v in report["verifications"] for r in v["results"]
    }
    return report


def serving(daemon: Daemon, project: CastleProject) -> None:
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")


def stray(daemon: Daemon, project: CastleProject) -> None:
    """What a person tries by hand: a valid request, and one the mock refuses (400)."""
    with daemon.client() as client:
        since = last_seq(client)
        assert httpx.get(f"{project.url}/castles", timeout=10).status_code == 200
        assert httpx.get(f"{project.url}/castles/x", timeout=10).status_code == 400
        wait_for_event(
            client,
            since,
            is_event(EventKind.INTERACTION_RECORDED, path="/castles/x"),
            what="the refused request recorded",
        )


def test_stray_traffic_is_exploratory_and_never_verified_unless_promoted(
    daemon: Daemon, tmp_path: Path
) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    tests = run_castle_tests(project.config.parent, daemon.home)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    serving(daemon, project)
    stray(daemon, project)

    exploratory = listed(daemon.home, "--exploratory")
    assert sorted(i["request"]["path"] for i in exploratory) == ["/castles", "/castles/x"]
    assert {i["kind"] for i in exploratory} == {"exploratory"}
    contract = listed(daemon.home, "--contract")
    assert contract
    assert all(i["test_id"] and i["kind"] == "contract" for i in contract)
    table = entente(daemon.home, "interactions", "list")
    assert "exploratory" in table.stdout
    assert "contract" in table.stdout

    # the stray requests are not replayed: no `GET /castles/x` status_mismatch 400 vs 200
    report = verify(daemon.home, tmp_path)
    assert (report["failed"], report["total"]) == (0, len(contract)), report["failures"]
    assert report["verified"] == {i["id"] for i in contract}
    assert (report["exploratory"], report["older_runs"]) == (2, 0)

    # promoted, the valid one becomes part of the contract, and is verified
    [plain] = [i for i in exploratory if i["request"]["path"] == "/castles"]
    with daemon.client() as client:
        since = last_seq(client)
        promoted = entente(daemon.home, "interactions", "promote", plain["id"][:8])
        assert promoted.returncode == 0, promoted.stderr
        wait_for_event(client, since, is_event(EventKind.INTERACTIONS_PROMOTED, ids=[plain["id"]]))
    assert [i["id"] for i in listed(daemon.home, "--exploratory")] != [plain["id"]]
    again = verify(daemon.home, tmp_path / "again")
    assert again["total"] == len(contract) + 1
    assert plain["id"] in again["verified"]


def test_each_consumer_version_is_verified_against_its_latest_test_run(
    daemon: Daemon, tmp_path: Path
) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    first = run_castle_tests(project.config.parent, daemon.home, run_id="first")
    assert first.returncode == 0, first.stdout + first.stderr
    # the consumer's tests no longer delete castles: that stops being expected
    second = run_castle_tests(
        project.config.parent, daemon.home, "-k", "not test_delete_castle", run_id="second"
    )
    assert second.returncode == 0, second.stdout + second.stderr
    everything = listed(daemon.home)
    latest = {i["id"] for i in everything if i["run_id"] == "second"}
    assert any(i["request"]["method"] == "DELETE" for i in everything)
    assert latest
    report = verify(daemon.home, tmp_path)
    assert report["failed"] == 0, report["failures"]
    assert report["verified"] == latest
    assert (report["exploratory"], report["older_runs"]) == (0, len(everything) - len(latest))
    replayed = {i["request"]["method"] for i in everything if i["id"] in report["verified"]}
    assert "DELETE" not in replayed


def test_interactions_are_deleted_by_id_or_by_what_they_are(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    tests = run_castle_tests(project.config.parent, daemon.home)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    serving(daemon, project)
    stray(daemon, project)
    home = daemon.home
    before = listed(home)

    # a bulk delete asks first; no is no
    refused = entente(home, "interactions", "delete", "--exploratory", stdin="n\n")
    assert refused.returncode != 0
    assert "delete these 2 interaction(s)?" in refused.stdout
    assert len(listed(home)) == len(before)

    with daemon.client() as client:
        since = last_seq(client)
        done = entente(home, "interactions", "delete", "--exploratory", stdin="y\n")
        assert done.returncode == 0, done.stderr
        assert "deleted 2 interaction(s)" in done.stdout
        event = wait_for_event(client, since, is_event(EventKind.INTERACTIONS_DELETED))
    assert len(event.payload["ids"]) == 2
    assert listed(home, "--exploratory") == []

    # by a test's short name, then by id (no question asked for ids)
    by_test = entente(home, "interactions", "delete", "--test", "test_get_castle", "--yes")
    assert by_test.returncode == 0, by_test.stderr
    assert not [i for i in listed(home) if (i["test_id"] or "").endswith("::test_get_castle")]
    one = listed(home)[0]
    by_id = entente(home, "interactions", "delete", one["id"][:8])
    assert by_id.returncode == 0, by_id.stderr
    assert one["id"] not in {i["id"] for i in listed(home)}

    # nothing is older than a day; everything of this consumer version is
    old = entente(home, "interactions", "delete", "--older-than", "1d", "--yes")
    assert "no interaction matches" in old.stdout
    version = entente(
        home,
        "interactions",
        "delete",
        "--consumer-version",
        "1.0.0",
        "--consumer",
        "castle-client",
        "--yes",
    )
    assert version.returncode == 0, version.stderr
    assert listed(home) == []


def test_interactions_are_deleted_from_the_store_without_a_daemon(tmp_path: Path) -> None:
    home = tmp_path / "home"
    from entente_daemon.records import StoreRecords
    from tests.daemon.conftest import interaction

    StoreRecords(home / "store").add_interactions(
        [interaction(1, test_id="t::a"), interaction(2), interaction(3)]
    )
    assert [i["kind"] for i in listed(home)] == ["contract", "exploratory", "exploratory"]
    done = entente(home, "interactions", "delete", "--exploratory", "--yes")
    assert done.returncode == 0, done.stderr
    assert "deleted 2 interaction(s) from the store" in done.stdout
    assert [i["request"]["path"] for i in listed(home)] == ["/castles/1"]
    usage = entente(home, "interactions", "delete")
    assert usage.returncode == 2
    assert "name the interactions to delete" in usage.stderr


def test_projects_are_listed_and_detached(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    serving(daemon, project)
    shown = entente(daemon.home, "projects", "list")
    assert shown.returncode == 0, shown.stderr
    assert "castle-client" in shown.stdout
    assert str(project.config) in shown.stdout

    with daemon.client() as client:
        since = last_seq(client)
        done = entente(daemon.home, "detach", cwd=project.config.parent)
        assert done.returncode == 0, done.stderr
        assert f"detached castle-client ({project.config})" in done.stdout
        wait_for_event(client, since, is_event(EventKind.PROJECT_DETACHED, service="castle-client"))
        wait_for(lambda: not client.mocks(), what="the project's mock to stop")
        assert client.projects() == []
    assert "no project is attached" in entente(daemon.home, "projects", "list").stdout
    missing = entente(daemon.home, "detach", str(project.config))
    assert missing.returncode == 2
    assert "no project attached" in missing.stderr

    with daemon.http() as http:
        bad = http.post("/v1/interactions/delete", json={"ids": "all"})
        assert bad.status_code == 400
        assert '{"ids": [' in bad.json()["error"]
        unknown = http.post("/v1/interactions/promote", json={"ids": ["nope"]})
        assert unknown.json() == {"promoted": []}

    # it is not attached again when the daemon restarts
    daemon.stop()
    daemon.start()
    with daemon.client() as client:
        assert client.projects() == []

    # nor by a command run in its folder, which attaches its project on its own
    listed = entente(daemon.home, "interactions", "list", cwd=project.config.parent)
    assert listed.returncode == 0, listed.stderr
    with daemon.client() as client:
        assert client.projects() == [], "a command re-attached a detached project"
    # until the user attaches it again
    again = entente(daemon.home, "attach", cwd=project.config.parent)
    assert again.returncode == 0, again.stderr
    assert f"attached castle-client ({project.config})" in again.stdout
    with daemon.client() as client:
        assert [p.service for p in client.projects()] == ["castle-client"]
    entente(daemon.home, "detach", cwd=project.config.parent)
    entente(daemon.home, "attach", cwd=project.config.parent)
    listed = entente(daemon.home, "interactions", "list", cwd=project.config.parent)
    with daemon.client() as client:
        assert [p.service for p in client.projects()] == ["castle-client"]


def test_entente_mock_record_by_hand_is_exploratory_and_a_test_header_is_contract(
    tmp_path: Path,
) -> None:
    from tests.mock.serving import MockProcess

    home = tmp_path / "home"
    spec = SERVICE / "openapi.yaml"
    mock = MockProcess.start(str(spec), "--record", home=home, cwd=tmp_path)
    try:
        assert httpx.get(f"{mock.url}/castles", timeout=10).status_code == 200
        headers = {"X-Entente-Test": "tests/test_castles.py::test_list_castles"}
        assert httpx.get(f"{mock.url}/castles", headers=headers, timeout=10).status_code == 200
    finally:
        assert mock.stop() == 0, mock.stderr.text
    kinds = {(i["test_id"], i["kind"]) for i in listed(home)}
    assert kinds == {
        (None, "exploratory"),
        ("tests/test_castles.py::test_list_castles", "contract"),
    }
