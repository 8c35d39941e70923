"""The daemon's mocks keep their project's ``[limits]``, and take new ones when the file
changes."""

from __future__ import annotations

from pathlib import Path

import httpx

from .castle_project import castle_project, write_atomically
from .conftest import Daemon, wait_for

BODY = b'{"name": "Chambord", "region": "Loire", "yearBuilt": 1519}'


def post(url: str) -> httpx.Response:
    return httpx.post(
        url + "/castles", content=BODY, headers={"content-type": "application/json"}, timeout=10
    )


def test_a_hosted_mock_keeps_the_projects_limits(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    text = project.config.read_text(encoding="utf-8")
    write_atomically(project.config, text + "\n[limits]\nmax_body_bytes = 20\n")
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
        refused = post(project.url)
        assert refused.status_code == 413
        assert "exceeds 20 bytes" in refused.json()["detail"]

        write_atomically(project.config, text + "\n[limits]\nmax_body_bytes = 2000\n")

        def accepted() -> bool:
            try:
                return post(project.url).status_code == 201
            except httpx.TransportError:  # restarting
                return False

        wait_for(accepted, what="the mock to take the new [limits]")
