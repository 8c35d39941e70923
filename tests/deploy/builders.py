"""Small builders for deployment facts: services, contracts and verifications by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count

from entente_daemon.deploy.facts import (
    Contract,
    Facts,
    LiveKind,
    LiveVersion,
    VerificationFact,
)

_clock = count()
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def contract(consumer: str, provider: str, *hashes: str) -> Contract:
    """``consumer`` as "name@version"; hashes default to one interaction."""
    name, version = split(consumer)
    return Contract(name, version, provider, frozenset(hashes or (f"{name}-{provider}-1",)))


def verification(
    provider: str, consumer: str, results: dict[str, bool] | None = None, *, ok: bool = True
) -> VerificationFact:
    """``provider``/``consumer`` as "name@version"; ``results`` default to the default
    contract's one interaction, passing when ``ok``."""
    p, pv = split(provider)
    c, cv = split(consumer)
    outcome = results if results is not None else {f"{c}-{p}-1": ok}
    n = next(_clock)
    return VerificationFact(
        id=f"ver-{n}",
        provider=p,
        provider_version=pv,
        consumer=c,
        consumer_version=cv,
        finished_at=BASE + timedelta(minutes=n),
        passed=sum(outcome.values()),
        failed=sum(not v for v in outcome.values()),
        results=tuple(outcome.items()),
    )


def split(name_at_version: str) -> tuple[str, str]:
    name, version = name_at_version.split("@")
    return name, version


def live(where: str, *services: str, kind: LiveKind = LiveKind.DEPLOYED) -> list[LiveVersion]:
    return [LiveVersion(*split(s), environment=where, kind=kind) for s in services]


def facts(
    *,
    live_versions: Sequence[LiveVersion] = (),
    contracts: Sequence[Contract] = (),
    verifications: Sequence[VerificationFact] = (),
    known: Sequence[str] = (),
) -> Facts:
    return Facts.build(
        live=live_versions,
        contracts=contracts,
        verifications=verifications,
        known=[split(k) for k in known],
    )
