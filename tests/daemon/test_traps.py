"""The traps of a new user's first hour, through the real CLI and daemon (issue 12): the
daemon attaches the project it is started in, keeps a project's mock on the port it got,
gives a file setting's advice for a file setting's port, and ``entente mock`` cooperates
with a running daemon (its mock of the same spec, its store)."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

import httpx

from entente_daemon.records.spool import spool_files
from entente_daemon.store import Store
from tests.mock.serving import CASTLE, MockProcess

from .castle_project import castle_project, run_castle_tests
from .conftest import Daemon, daemon_cli, entente_cli, wait_for


def test_daemon_start_in_a_project_attaches_it_and_says_so(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path / "p")
    done = daemon_cli(home, "start", cwd=project.config.parent)
    assert done.returncode == 0, done.stderr
    assert "started the Entente daemon" in done.stdout
    assert f"attached the project castle-client ({project.config})" in done.stdout
    assert f"mock of castle-service: {project.url}" in done.stdout
    with daemon.client() as client:
        assert [p.config for p in client.projects()] == [str(project.config)]
        [mock] = client.mocks()
    assert mock.url == project.url

    again = daemon_cli(home, "start", cwd=project.config.parent)  # already running: attaches
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    assert "attached the project castle-client" in again.stdout


def test_daemon_start_outside_a_project_attaches_nothing(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    done = daemon_cli(home, "start", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "attached" not in done.stdout
    with daemon.client() as client:
        assert client.projects() == []


def unconfigured_port(config: Path) -> None:
    """Remove the ``port = N`` setting of the copied castle-client project."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(x for x in lines if not x.startswith("port =")), encoding="utf-8")


def test_a_mock_without_a_configured_port_keeps_its_port_across_restarts(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path / "p")
    unconfigured_port(project.config)
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        [first] = client.mocks()
    assert first.port
    assert first.state == "running"

    daemon.stop()
    daemon.start()  # re-attaches the project
    with daemon.client() as client:
        [again] = client.mocks()
    assert (again.state, again.port, again.url) == ("running", first.port, first.url)
    assert httpx.get(f"{again.url}/castles", timeout=30).status_code == 200

    daemon.stop()
    with socket.socket() as taken:  # someone else has it now: a free one instead
        taken.bind(("127.0.0.1", first.port))
        taken.listen()
        daemon.start()
        with daemon.client() as client:
            [moved] = client.mocks()
        assert moved.state == "running"
        assert moved.port not in (None, first.port)
    daemon.stop()
    daemon.start()  # and it keeps the new one
    with daemon.client() as client:
        [kept] = client.mocks()
    assert kept.port == moved.port


def test_a_taken_port_set_in_the_file_gets_the_files_advice(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        project = castle_project(tmp_path / "p", port=port)
        daemon.start()
        with daemon.client() as client:
            client.attach_project(project.config)
            [mock] = client.mocks()
            errors = [e for e in client.events_since(0, 500).events if e.kind == "mock.error"]
    assert mock.state == "error"
    assert mock.error is not None
    [event] = errors
    for message in (mock.error, event.payload["message"]):
        assert f"port {port} on 127.0.0.1 is already in use" in message
        assert "`port = ...`" in message
        assert str(project.config) in message
        assert "--port" not in message


def test_entente_mock_on_the_daemons_mock_of_the_same_spec_says_to_use_it(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    """The README's sequence: the quick start leaves the daemon serving the castle mock on
    its port; `entente mock SPEC --port PORT` then says so, and how to reuse it."""
    project = castle_project(tmp_path / "p")
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = entente_cli(home, "mock", str(project.spec), "--port", str(project.port), cwd=elsewhere)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert f"the Entente daemon already serves this spec's mock on {project.url}" in line
    assert "use it" in line
    assert "`entente-daemon stop`" in line
    assert "--port 0" in line


def test_entente_mock_on_a_port_its_project_file_set_gets_the_files_advice(
    home: Path, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        project = castle_project(tmp_path / "p", port=port)
        done = entente_cli(home, "mock", str(project.spec), cwd=project.config.parent)
        flag = entente_cli(home, "mock", str(project.spec), "--port", str(port), cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert f"port {port} on 127.0.0.1 is already in use" in line
    assert "set another `port = ...` there" in line
    assert str(project.config) in line
    assert flag.returncode == 2
    [line] = flag.stderr.strip().splitlines()
    assert "choose another with --port" in line
    assert "`port = ...`" not in line


def test_consumer_tests_beside_a_recording_entente_mock_hand_it_their_recordings(
    home: Path, tmp_path: Path
) -> None:
    """``examples/README.md``'s sequence without a daemon: ``entente mock --record`` in one
    terminal (it has recorded, so it holds the store), the client's tests in another. The
    tests' recordings go to the mock, which imports them; nothing waits for the store's lock
    and nothing is left spooled."""
    project = castle_project(tmp_path / "p")
    mock = MockProcess.start(str(project.spec), "--record", home=home, cwd=tmp_path)
    try:
        assert httpx.get(f"{mock.url}/castles", timeout=30).status_code == 200

        def stored() -> int:
            with Store.open(home / "store", readonly=True) as store:
                return store.interactions.count()

        wait_for(lambda: stored() == 1, what="the mock to write the store (and hold it)")

        tests = run_castle_tests(project.config.parent, home)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "handed 6 interaction(s) to the recording `entente mock`" in tests.stdout
        assert "could not take the recordings" not in tests.stdout
        mock.stderr.wait_for("imported 6 record(s) other processes handed over")
        assert spool_files(home) == []
    finally:
        assert mock.stop() == 0, mock.stderr.text
    with Store.open(home / "store", readonly=True) as store:
        consumers = Counter(i.consumer for i in store.interactions.list())
    assert consumers == {"castle-client": 6, "unknown-consumer": 1}


def test_entente_mock_records_through_a_running_daemon(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    daemon.start()
    mock = MockProcess.start(str(CASTLE), "--record", home=home, cwd=tmp_path)
    try:
        assert "Recording: on (--record) into the Entente daemon" in mock.stdout.text
        assert httpx.get(f"{mock.url}/castles", timeout=30).status_code == 200
        with daemon.client() as client:
            wait_for(
                lambda: client.interactions(provider="castle-service").total == 1,
                what="the daemon to have the mock's recording",
            )
    finally:
        assert mock.stop() == 0, mock.stderr.text
    assert "written to the Entente daemon" in mock.stderr.text


def test_remembered_ports_survive_a_broken_file(tmp_path: Path) -> None:
    from entente_daemon.daemon.services.mock_ports import MockPorts

    file = tmp_path / "mock-ports.json"
    file.write_text("{not json", encoding="utf-8")
    project = tmp_path / "entente.toml"
    ports = MockPorts(file)
    assert ports.get(project, "castle-service") is None  # a broken file: starting afresh
    ports.remember(project, "castle-service", 43210)
    assert MockPorts(file).get(project, "castle-service") == 43210
    assert MockPorts(file).get(project, "other") is None
    assert oct(file.stat().st_mode & 0o777) == "0o600"
