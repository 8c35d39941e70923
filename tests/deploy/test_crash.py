"""Deployments survive a killed daemon whole: every acknowledged one is kept, and each
service has exactly one active version per environment (a deployment is one write)."""

from __future__ import annotations

import threading
from pathlib import Path

from entente_daemon.model import Deployment
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon, wait_for


def test_a_kill_mid_deployments_leaves_one_active_version(daemon: Daemon, home: Path) -> None:
    daemon.start()
    acknowledged: list[Deployment] = []
    stop = threading.Event()

    def deploy_in_a_loop() -> None:
        with daemon.client() as client:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    stored = client.record_deployment(
                        Deployment(
                            service=f"service-{n % 3}",
                            version=f"1.{n}.0",
                            environment="prod",
                        )
                    )
                except Exception:
                    return  # the daemon is gone
                acknowledged.append(stored)

    worker = threading.Thread(target=deploy_in_a_loop)
    worker.start()
    try:
        wait_for(lambda: len(acknowledged) >= 30, what="deployments to be recorded")
        daemon.kill()
    finally:
        stop.set()
        worker.join(timeout=30)

    with Store.open(home / "store", readonly=True) as store:
        kept = {d.id for d in store.deployments.list()}
        active = store.deployments.active(environment="prod")
    assert {d.id for d in acknowledged} <= kept, "an acknowledged deployment was lost"
    services = [d.service for d in active]
    assert sorted(services) == sorted(set(services)), "one active version per service"
    newest: dict[str, int] = {}
    for deployment in acknowledged:
        newest[deployment.service] = number(deployment.version)
    assert {d.service for d in active} == set(newest)
    for deployment in active:
        # the newest acknowledged version, or one recorded after it but not acknowledged
        assert number(deployment.version) >= newest[deployment.service]


def number(version: str) -> int:
    return int(version.split(".")[1])
