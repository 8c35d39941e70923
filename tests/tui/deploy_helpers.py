"""A store for the Deploy screen's tests: castle-client 1.0.0's contract with castle-service,
verified by castle-service 2.0.0 and failed by 3.0.0 (fixed times); castle-service 2.0.0
deployed to production, 3.0.0 to staging, and 4.0.0 (never verified) to test."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from entente_daemon.client import DaemonClient
from entente_daemon.model import Deployment, Interaction, Verification, VerificationResult
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon, interaction

CONSUMER = "castle-client"
PROVIDER = "castle-service"
STARTED = datetime(2026, 1, 2, 9, 0, 0, tzinfo=UTC)
FINISHED = datetime(2026, 1, 2, 9, 0, 5, tzinfo=UTC)
PLACES = {"production": "2.0.0", "staging": "3.0.0", "test": "4.0.0"}


def contract() -> list[Interaction]:
    """Two interactions a test of castle-client 1.0.0 made against castle-service."""
    return [
        interaction(n, test_id=f"tests/test_castles.py::test_{n}", run_id="run-1").with_hash()
        for n in (1, 2)
    ]


def verification(provider_version: str, made: list[Interaction], *, ok: bool) -> Verification:
    return Verification(
        id=f"verification-{provider_version}-{'ok' if ok else 'failed'}",
        provider=PROVIDER,
        provider_version=provider_version,
        consumer=CONSUMER,
        consumer_version="1.0.0",
        started_at=STARTED,
        finished_at=FINISHED,
        results=[
            VerificationResult(interaction_id=i.id, interaction_hash=i.content_hash, ok=ok)
            for i in made
        ],
    )


@pytest.fixture
def deploy_daemon(home: Path) -> Iterator[Daemon]:
    """A daemon over a store holding the contract and its two verifications, with
    castle-service deployed to production, staging and test."""
    made = contract()
    with Store.open(home / "store") as store:
        for each in made:
            store.interactions.add(each)
        store.verifications.add(verification("2.0.0", made, ok=True))
        store.verifications.add(verification("3.0.0", made, ok=False))
    daemon = Daemon(home)
    daemon.start()
    try:
        with daemon.client() as client:
            for environment, version in PLACES.items():
                deploy(client, PROVIDER, version, environment)
        yield daemon
    finally:
        daemon.ensure_gone()


def deploy(client: DaemonClient, service: str, version: str, environment: str) -> Deployment:
    return client.record_deployment(
        Deployment(service=service, version=version, environment=environment, deployed_by="ci")
    )


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, file=io.StringIO(), color_system=None)
    with console.capture() as captured:
        console.print(widget.content)
    return captured.get()
