"""Verifying the castle example again proposes no new drafts: the provider answers with a
new id for each castle created, and the state handlers put re-made castles' ids in the
requests, but a draft's key leaves those out; the daemon's own dedup uses the same key."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.client import DaemonClient
from entente_daemon.client.wire import VerificationRun
from tests.verify.test_castle_service import SERVICE
from tests.verify.test_verify_cli import Service

from .castle_project import castle_project, last_seq, run_castle_tests
from .conftest import Daemon, env_for
from .test_verify_launch import finished_run


def verified(client: DaemonClient, url: str) -> VerificationRun:
    since = last_seq(client)
    launch = client.start_verification(SERVICE, base_url=url)
    run, _ = finished_run(client, since, launch.run_id)
    assert run.state == "passed", Path(launch.log).read_text(encoding="utf-8")
    return run


def test_verifying_the_castle_example_again_adds_no_drafts(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    consumer = castle_project(tmp_path)
    tests = run_castle_tests(consumer.config.parent, daemon.home)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    env = env_for(daemon.home)
    with daemon.client() as client:
        with Service(None, env) as url:
            first = verified(client, url)
            drafts = client.fixtures(provider="castle-service")
            assert len(drafts) == first.fixtures_created > 0
            second = verified(client, url)  # the same service: castles made again, new ids
        with Service(None, env) as url:  # a fresh one: every created id new again
            third = verified(client, url)
        assert (second.fixtures_created, third.fixtures_created) == (0, 0)
        after = client.fixtures(provider="castle-service")
    assert sorted(f.id for f in after) == sorted(f.id for f in drafts), "the first drafts kept"
