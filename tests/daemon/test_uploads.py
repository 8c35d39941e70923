"""Consumers and mocks hand their recordings to a running daemon (it owns the store)."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.consumer.upload import upload
from entente_daemon.record.policy import recording_enabled
from tests.daemon.conftest import Daemon, interaction


def test_without_a_daemon_recording_stays_off_and_uploads_go_to_the_store(home: Path) -> None:
    assert recording_enabled(environ={}) == (False, "default outside CI; --record turns it on")
    assert upload([interaction(1)], home=home, store_path=home / "store").destination == "store"


def test_a_running_daemon_turns_recording_on_and_takes_uploads(daemon: Daemon) -> None:
    daemon.start()
    assert recording_enabled(environ={}, home=daemon.home) == (
        True,
        "the Entente daemon is running",
    )
    result = upload([interaction(1), interaction(2)], home=daemon.home)
    assert result.destination == "daemon"
    with daemon.client() as client:
        page = client.interactions(provider="castle-service")
    assert sorted(i.request.path for i in page.items) == ["/castles/1", "/castles/2"]


def test_a_killed_daemon_no_longer_counts(daemon: Daemon) -> None:
    daemon.start()
    daemon.kill()
    assert recording_enabled(environ={}, home=daemon.home)[0] is False
    assert upload([interaction(3)], home=daemon.home).destination == "store"


def test_a_repeat_is_merged_and_its_event_carries_the_stored_total(daemon: Daemon) -> None:
    daemon.start()
    same = interaction(7)
    with daemon.client() as client:
        since = client.events_since(0, 1).last_seq
        first = client.upload_interactions([same])
        second = client.upload_interactions([same])
        assert (first.new, first.merged) == (1, 0)
        assert (second.new, second.merged) == (0, 1)
        recorded = [
            e for e in client.events_since(since, 100).events if e.kind == "interaction.recorded"
        ]
    assert [(e.payload["new"], e.payload["total"]) for e in recorded] == [(True, 1), (False, 2)]
