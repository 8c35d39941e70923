"""Live breaking-change alerts through a real daemon: a save that removes ``region`` from the
castle spec alerts naming the consumer whose recorded interaction reads it; undoing the edit
clears the alert; a spec that does not load keeps the last good one and its alert; the
baseline is the registered version, else the file at git HEAD, else the first load.

One daemon for the module (`shared_daemon`): each test has providers of its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from entente_daemon.client import DaemonClient
from entente_daemon.client.events import BreakingChange, parse_payload
from entente_daemon.model import (
    Event,
    EventKind,
    HttpRequest,
    HttpResponse,
    Interaction,
    MatchContext,
    SpecVersion,
)

from .castle_project import (
    castle_project,
    is_event,
    last_seq,
    wait_for_event,
    write_atomically,
)
from .conftest import Daemon, wait_for

BREAKING = EventKind.BREAKING_CHANGE.value
CASTLE_ID = "6f0c7a8e-2b1d-4c3e-9f4a-1b2c3d4e5f60"


def without_region(text: str) -> str:
    """The castle spec with ``region`` taken out of the Castle schema (a response field)."""
    document = yaml.safe_load(text)
    castle = document["components"]["schemas"]["Castle"]
    del castle["properties"]["region"]
    castle["required"] = [name for name in castle["required"] if name != "region"]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def get_castle(
    test: str = "tests/test_castles.py::test_get_castle", provider: str = "castle-service"
) -> Interaction:
    """What the castle client's test recorded for GET /castles/{id}: it read ``region``."""
    return Interaction(
        consumer="castle-client",
        consumer_version="1.0.0",
        provider=provider,
        provider_version="1.0.0",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{CASTLE_ID}"),
        response=HttpResponse(
            status=200,
            headers={"content-type": "application/json"},
            body={"id": CASTLE_ID, "name": "Chambord", "region": "Centre", "yearBuilt": 1519},
        ),
        test_id=test,
        run_id="run-1",
        match=MatchContext(operation_id="getCastle", path_template="/castles/{id}"),
    )


def breaking_event(client: DaemonClient, since: int, **payload: object) -> BreakingChange:
    event = wait_for_event(client, since, is_event(BREAKING, **payload), what="a breaking change")
    return _typed(event)


def _typed(event: Event) -> BreakingChange:
    typed = parse_payload(event)
    assert isinstance(typed, BreakingChange), typed
    return typed


def attach(client: DaemonClient, config: Path, *providers: str) -> None:
    """Attach the project; wait until the mocks of ``providers`` serve."""
    client.attach_project(config)

    def serving() -> bool:
        return all(any(m.provider == p and m.url for m in client.mocks()) for p in providers)

    wait_for(serving, what=f"the mocks of {', '.join(providers)} to serve")


def test_removing_a_field_a_consumer_reads_alerts_naming_it_and_undoing_clears(
    shared_daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    with shared_daemon.client() as client:
        client.upload_interactions([get_castle()])
        attach(client, project.config, "castle-service")
        # first load: it is its own baseline
        assert client.breaking_changes(provider="castle-service") == []

        since = last_seq(client)
        project.write_spec(without_region(good))
        alert = breaking_event(client, since, provider="castle-service")
        assert alert.spec == str(project.spec)
        assert alert.consumer == "castle-client"
        assert alert.baseline is not None
        assert alert.baseline.source == "first-load"
        removed = [c for c in alert.changes if c.rule == "response-property-removed"]
        assert removed, [c.rule for c in alert.changes]
        assert alert.changes[0].impacts, "consumers first: the change that breaks one leads"
        read = [i for c in removed for i in c.impacts]
        assert {(i.consumer, i.consumer_version) for i in read} == {("castle-client", "1.0.0")}
        assert any(i.field == "region" and i.operation == "GET /castles/{id}" for i in read)
        assert all(c.introduced for c in removed)
        assert removed[0].old_schema is not None
        assert "region" in str(removed[0].old_schema)
        assert "region" not in str(removed[0].new_schema)
        assert alert.consumers == ["castle-client 1.0.0"]
        assert alert.counts.breaking >= 1
        assert alert.counts.consumers == 1
        assert alert.detect_ms is not None
        standing = client.breaking_changes(provider="castle-service")
        assert [b.changes[0].rule for b in standing] == [alert.changes[0].rule]
        assert client.breaking_changes(provider="someone-else") == []

        since = last_seq(client)
        project.write_spec(good)
        cleared = breaking_event(client, since, provider="castle-service")
        assert cleared.key == alert.key
        assert cleared.changes == []
        assert cleared.cleared
        assert client.breaking_changes(provider="castle-service") == []


def test_a_spec_that_does_not_load_keeps_the_last_good_one_and_its_alert(
    shared_daemon: Daemon, tmp_path: Path
) -> None:
    good = castle_project(tmp_path / "source").spec.read_text(encoding="utf-8")
    config, spec = consumer_project(tmp_path / "yaml", "castle-yaml", good)
    with shared_daemon.client() as client:
        attach(client, config, "castle-yaml")
        since = last_seq(client)
        write_atomically(spec, without_region(good))
        alert = breaking_event(client, since, provider="castle-yaml")
        assert alert.counts.breaking >= 1
        assert alert.counts.unused >= 1  # nobody recorded anything: breaking, unused

        since = last_seq(client)
        write_atomically(spec, good.replace("paths:\n", "paths:\n  /broken: {unclosed\n", 1))
        error = wait_for_event(
            client, since, is_event("spec.error", provider="castle-yaml"), what="the error"
        )
        assert error.payload["line"]
        standing = client.breaking_changes(provider="castle-yaml")
        assert len(standing) == 1
        assert standing[0].save == alert.save  # no new breaking-change event: no churn
        events = client.events_since(since, 500).events
        assert not [e for e in events if e.kind == BREAKING and e.payload["spec"] == str(spec)]

        since = last_seq(client)
        write_atomically(spec, good)
        assert breaking_event(client, since, provider="castle-yaml").cleared


def consumer_project(root: Path, provider: str, spec_text: str) -> tuple[Path, Path]:
    """A consumer project of its own for ``provider``, its spec beside it."""
    root.mkdir(parents=True)
    spec = root / "openapi.yaml"
    spec.write_text(spec_text, encoding="utf-8")
    config = root / "entente.toml"
    config.write_text(
        f'service = "{provider}-client"\nversion = "1.0.0"\n\n[[providers]]\n'
        f'name = "{provider}"\nspec = "openapi.yaml"\n',
        encoding="utf-8",
    )
    return config, spec


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_baseline_is_the_registered_version_else_git_head_else_the_first_load(
    shared_daemon: Daemon, tmp_path: Path
) -> None:
    good = castle_project(tmp_path / "source").spec.read_text(encoding="utf-8")
    broken = without_region(good)
    registered_config, _ = consumer_project(tmp_path / "registered", "castle-registered", broken)
    git_config, git_spec = consumer_project(tmp_path / "git", "castle-git", good)
    git(git_spec.parent, "init", "-q")
    git(git_spec.parent, "add", "openapi.yaml")
    git(git_spec.parent, "commit", "-q", "-m", "the spec")
    head = git(git_spec.parent, "rev-parse", "--short", "HEAD")
    git_spec.write_text(broken, encoding="utf-8")  # edited since the commit
    first_config, first_spec = consumer_project(tmp_path / "first", "castle-first", broken)

    with shared_daemon.client() as client:
        document = yaml.safe_load(good)
        client.upload_spec(SpecVersion.of("castle-registered", "1.0.0", document))
        since = last_seq(client)
        for config in (registered_config, git_config, first_config):
            client.attach_project(config)
        registered = breaking_event(client, since, provider="castle-registered")
        assert registered.baseline is not None
        assert registered.baseline.source == "registered"
        assert registered.baseline.version == "1.0.0"
        assert any(c.rule == "response-property-removed" for c in registered.changes)
        at_head = breaking_event(client, since, provider="castle-git")
        assert at_head.baseline is not None
        assert at_head.baseline.source == "git"
        assert at_head.baseline.ref == head
        removed = [c for c in at_head.changes if c.rule == "response-property-removed"]
        assert removed
        # The removed property is in the committed file: named as git names it, not as the
        # scratch copy it was loaded from.
        assert {c.file for c in removed} == {"HEAD:openapi.yaml"}

        # The first load is its own baseline: nothing to say until a save breaks it.
        attach(client, first_config, "castle-registered", "castle-git", "castle-first")
        standing = {b.provider for b in client.breaking_changes()}
        assert {"castle-registered", "castle-git"} <= standing
        assert "castle-first" not in standing
        since = last_seq(client)
        integer = "yearBuilt:\n          type: integer"
        assert integer in broken
        first_spec.write_text(broken.replace(integer, "yearBuilt:\n          type: string", 1))
        first = breaking_event(client, since, provider="castle-first")
        assert first.baseline is not None
        assert first.baseline.source == "first-load"


def test_a_provider_projects_own_spec_and_recordings_that_come_later(
    shared_daemon: Daemon, tmp_path: Path
) -> None:
    """A provider project's ``[provider] spec`` is watched too; a standing alert is weighed
    again when the consumers' recordings change."""
    folder = tmp_path / "castle-own"
    good = castle_project(tmp_path / "source").spec.read_text(encoding="utf-8")
    folder.mkdir()
    spec = folder / "openapi.yaml"
    spec.write_text(good, encoding="utf-8")
    config = folder / "entente.toml"
    config.write_text(
        'service = "castle-own"\nversion = "1.0.0"\n\n[provider]\nspec = "openapi.yaml"\n',
        encoding="utf-8",
    )
    with shared_daemon.client() as client:
        client.attach_project(config)
        wait_for(lambda: client.breaking_changes(provider="castle-own") == [], what="it")
        since = last_seq(client)
        write_atomically(spec, without_region(good))
        alert = breaking_event(client, since, provider="castle-own")
        assert alert.consumer is None  # the provider's own spec
        assert alert.consumers == []
        assert alert.counts.unused >= 1

        since = last_seq(client)
        client.upload_interactions([get_castle(provider="castle-own")])
        named = breaking_event(client, since, provider="castle-own")
        assert named.consumers == ["castle-client 1.0.0"]

        since = last_seq(client)
        write_atomically(spec, good.replace("paths:\n", "paths:\n  /broken: {unclosed\n", 1))
        wait_for_event(
            client, since, is_event("spec.error", provider="castle-own"), what="the spec error"
        )
        assert client.breaking_changes(provider="castle-own")[0].consumers == [
            "castle-client 1.0.0"
        ]

        since = last_seq(client)
        write_atomically(spec, good)
        assert breaking_event(client, since, provider="castle-own").cleared
