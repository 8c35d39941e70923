"""``entente store stats|prune`` (issue 13, item 11): the store's bound and clean-up, shown
and applied, on the local store and through a running daemon (the store's one writer)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from entente_daemon.home import store_dir
from entente_daemon.model import EventKind, HttpRequest, Interaction, utc_now
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon, entente_cli, env_for, wait_for

from .conftest import interaction

NOW = utc_now()
OLD = NOW - timedelta(days=30)
TEST = "tests/test_castle.py::test_get"


def contract_history() -> dict[str, Interaction]:
    """Two runs of one consumer version, exploratory traffic old and new, one promoted."""
    return {
        "run1": interaction(1, test_id=TEST, run_id="r1", timestamp=OLD),
        "run1-promoted": interaction(2, test_id=TEST, run_id="r1", timestamp=OLD, promoted=True),
        "run2": interaction(3, test_id=TEST, run_id="r2", timestamp=NOW),
        "old-curl": interaction(4, timestamp=OLD),
        "new-curl": interaction(5, timestamp=NOW),
    }


def answering(home: Path, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``entente ARGS`` with ``answer`` typed at its prompt."""
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", *args],
        env=env_for(home),
        input=answer,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stored_paths(home: Path) -> set[str]:
    with Store.open(store_dir(home), readonly=True) as store:
        return {i.request.path for i in store.interactions.list()}


def test_prune_asks_then_removes_older_runs_and_expired_exploratory_traffic(home: Path) -> None:
    records = contract_history()
    with Store.open(store_dir(home)) as store:
        store.interactions.add_many(records.values())

    dry = entente_cli(home, "store", "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "older runs of a consumer version: 1 interaction(s)" in dry.stdout
    assert "older than 14 day(s): 1 interaction(s)" in dry.stdout
    assert len(stored_paths(home)) == 5, "a dry run removes nothing"

    refused = answering(home, "n\n", "store", "prune")
    assert refused.returncode != 0
    assert "remove these 2 interaction(s)?" in refused.stdout
    assert len(stored_paths(home)) == 5, "refusing removes nothing"

    done = entente_cli(home, "store", "prune", "--yes")
    assert done.returncode == 0, done.stderr
    assert "removed 2 interaction(s) from the store at" in done.stdout
    kept = {"run1-promoted", "run2", "new-curl"}
    assert stored_paths(home) == {records[name].request.path for name in kept}


def test_stats_show_counts_bytes_and_what_was_sampled(home: Path) -> None:
    with Store.open(store_dir(home)) as store:
        for n in range(25):
            store.interactions.add(
                interaction(
                    n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
                )
            )
    result = entente_cli(home, "store", "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["tables"]["interactions"] == 20
    assert stats["providers"] == {"castle-service": 20}
    assert stats["sampled"] == {"castle-service": 5}
    assert stats["max_per_key"] == 20
    assert stats["bytes"] == sum(stats["files"].values()) > 0
    text = entente_cli(home, "store", "stats")
    assert "sampled: 5 not kept" in text.stdout


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    handle = Daemon(home)
    try:
        yield handle
    finally:
        handle.ensure_gone()


def test_the_daemon_samples_says_so_once_and_prunes(daemon: Daemon) -> None:
    daemon.start()
    with daemon.client() as client:
        load = [
            interaction(
                n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
            )
            for n in range(60)
        ]
        client.upload_interactions(load[:30])
        client.upload_interactions(load[30:])
        assert client.status().store.sampled == 40
        wait_for(
            lambda: any(
                e.kind == EventKind.STORE_SAMPLED for e in client.events_since(0, 500).events
            ),
            what="store.sampled",
        )
        notices = [
            e for e in client.events_since(0, 500).events if e.kind == EventKind.STORE_SAMPLED
        ]
        assert len(notices) == 1, "one notice per bucket, not one per request"
        assert notices[0].payload["kept"] == 20
        assert any(a.kind == EventKind.STORE_SAMPLED for a in client.alerts())

        stats = entente_cli(daemon.home, "store", "stats", "--json")
        assert stats.returncode == 0, stats.stderr
        body = json.loads(stats.stdout)
        assert body["source"].startswith("the Entente daemon")
        assert body["sampled"] == {"castle-service": 40}

        client.upload_interactions(list(contract_history().values()))
        since = client.status().last_event_seq
        pruned = entente_cli(daemon.home, "store", "prune", "--yes")
        assert pruned.returncode == 0, pruned.stderr
        assert "removed 2 interaction(s) from the Entente daemon" in pruned.stdout
        deleted = [
            e
            for e in client.events_since(since, 500).events
            if e.kind == EventKind.INTERACTIONS_DELETED
        ]
        assert len(deleted) == 1
        assert len(deleted[0].payload["ids"]) == 2
