"""Hot reload of daemon-hosted mocks: a spec edited under load, a spec saved half-typed, a
project's config edited."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from entente_daemon.model import EventKind

from .castle_project import (
    CastleProject,
    castle_project,
    free_port,
    is_event,
    last_seq,
    wait_for_event,
    write_atomically,
)
from .conftest import Daemon, wait_for

TOWERS = """\
  /towers:
    get:
      operationId: listTowers
      responses:
        "200":
          description: The towers.
          content:
            application/json:
              schema:
                type: array
                items: {type: string}
              example: [Tour Eiffel]
"""


def with_paths_added(text: str, addition: str) -> tuple[str, int]:
    """The spec with ``addition`` as the first path; and the line number it starts at."""
    lines = text.splitlines(keepends=True)
    at = lines.index("paths:\n") + 1
    return "".join(lines[:at]) + addition + "".join(lines[at:]), at + 1


def serving(daemon: Daemon, project: CastleProject) -> None:
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")


class Load:
    """A thread sending requests to the mock until stopped; every failure is kept."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sent = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self._stop.is_set():
                try:
                    response = http.get("/castles")
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.sent += 1


def test_spec_edit_under_load_is_served_without_failed_requests(
    daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    serving(daemon, project)
    assert httpx.get(f"{project.url}/towers", timeout=10).status_code == 404
    edited, _ = with_paths_added(project.spec.read_text(encoding="utf-8"), TOWERS)
    with daemon.client() as client, Load(project.url) as load:
        wait_for(lambda: load.sent > 20, what="the load to run")
        since = last_seq(client)
        project.write_spec(edited)
        event = wait_for_event(
            client, since, is_event(EventKind.SPEC_RELOADED), what="spec.reloaded"
        )
        towers = httpx.get(f"{project.url}/towers", timeout=10)
        before = load.sent
        wait_for(lambda: load.sent > before + 20, what="requests after the reload")
    assert towers.status_code == 200
    assert towers.json() == ["Tour Eiffel"]
    payload = event.payload
    assert payload["provider"] == "castle-service"
    assert payload["project"] == str(project.config)
    assert payload["file"] == str(project.spec)
    assert payload["operations"] == 5
    assert payload["reload_ms"] > 0
    assert load.failures == []


def test_bad_spec_keeps_the_last_good_one_until_fixed(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    daemon.start()
    serving(daemon, project)
    half_typed, at = with_paths_added(good, "  /towers:\n    get:\n      operationId: [listTo\n")
    with daemon.client() as client:
        since = last_seq(client)
        project.write_spec(half_typed)
        error = wait_for_event(client, since, is_event(EventKind.SPEC_ERROR), what="spec.error")
        assert error.payload["event"] == "spec.error"
        assert error.payload["file"] == str(project.spec)
        # The flow sequence opened at line at+2 is found unclosed on the next line.
        assert error.payload["line"] == at + 3
        assert error.payload["column"] is not None
        assert "YAML" in error.payload["message"]
        assert any(a.payload.get("line") == at + 3 for a in client.alerts())
        assert httpx.get(f"{project.url}/castles", timeout=10).status_code == 200
        with daemon.http() as http:
            listed = http.get("/v1/mocks").json()["mocks"][0]
        assert listed["state"] == "running"
        assert f"{project.spec}:{at + 3}" in listed["error"]

        since = error.seq
        project.write_spec(with_paths_added(good, TOWERS)[0])
        wait_for_event(client, since, is_event(EventKind.SPEC_RELOADED), what="spec.reloaded")
    assert httpx.get(f"{project.url}/towers", timeout=10).status_code == 200


def test_config_edit_moves_the_mock_and_bad_config_is_an_alert(
    daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    serving(daemon, project)
    moved = castle_project(tmp_path / "other")  # only for a second free port
    text = project.config.read_text(encoding="utf-8")
    with daemon.client() as client:
        since = last_seq(client)
        write_atomically(project.config, text.replace(str(project.port), str(moved.port)))
        wait_for(lambda: [m.url for m in client.mocks()] == [moved.url], what="the mock to move")
        assert httpx.get(f"{moved.url}/castles", timeout=10).status_code == 200

        since = last_seq(client)
        write_atomically(project.config, text.replace("[[providers]]", "[[providers]]\nbogus = 1"))
        alert = wait_for_event(
            client, since, is_event(EventKind.CONFIG_ERROR, event="config.error"), what="alert"
        )
        assert alert.payload["file"] == str(project.config)
        assert alert.payload["key"] == "providers[0].bogus"
        # the old configuration stays: the mock still serves where it moved to
        assert [m.url for m in client.mocks()] == [moved.url]
    assert httpx.get(f"{moved.url}/castles", timeout=10).status_code == 200


def test_a_save_right_after_attaching_is_not_missed(daemon: Daemon, tmp_path: Path) -> None:
    """The watcher may not listen yet when attach returns: the save is still seen."""
    project = castle_project(tmp_path)
    edited, _ = with_paths_added(project.spec.read_text(encoding="utf-8"), TOWERS)
    daemon.start()
    with daemon.client() as client:
        since = last_seq(client)
        client.attach_project(project.config)
        project.write_spec(edited)
        wait_for_event(client, since, is_event(EventKind.SPEC_RELOADED), what="spec.reloaded")
    assert httpx.get(f"{project.url}/towers", timeout=10).status_code == 200


def test_only_the_changed_provider_restarts(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    first, second = free_port(), free_port()
    base = project.config.read_text(encoding="utf-8")
    extra = '\n[[providers]]\nname = "castle-archive"\nspec = "../castle-service/openapi.yaml"\n'
    project.config.write_text(base + extra + f"port = {first}\n", encoding="utf-8")
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: len([m for m in client.mocks() if m.url]) == 2, what="two mocks")
        write_atomically(project.config, base + extra + f"port = {second}\n")
        wanted = {project.url, f"http://127.0.0.1:{second}"}
        wait_for(lambda: {m.url for m in client.mocks()} == wanted, what="the archive to move")
    assert httpx.get(f"http://127.0.0.1:{second}/castles", timeout=10).status_code == 200
    log = daemon.paths.log.read_text(encoding="utf-8")
    assert "stopped the mock of castle-archive" in log
    assert "stopped the mock of castle-service" not in log
