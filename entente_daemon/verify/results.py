"""What a verification run keeps: one `Verification` per consumer version, and a draft
fixture (source: provider) for each passing interaction, from the provider's real answer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from entente_daemon.fixtures.drafts import draft_key
from entente_daemon.model import (
    Fixture,
    FixtureSource,
    FixtureStatus,
    Interaction,
    Verification,
    utc_now,
)
from entente_daemon.verify.runner import Outcome, replay_headers

#: Response headers not kept in a fixture: they differ on every answer, or carry credentials
#: (a fixture is shared with every consumer; it must never hold a session).
#: Headers that differ from one answer (or request) to the next without changing what it
#: says: a draft leaves them out, so that verifying the same answer again makes the same
#: draft (the same content hash), which the store then does not add twice.
VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "connection",
        "keep-alive",
        "set-cookie",
        "authorization",
        "www-authenticate",
        "age",
        "etag",
        "expires",
        "last-modified",
        "via",
        "x-request-id",
        "x-correlation-id",
        "request-id",
        "x-trace-id",
        "traceparent",
        "tracestate",
        "x-response-time",
        "x-runtime",
        "cf-ray",
    }
)
#: Of a request: those above, and what the client adds on its own.
VOLATILE_REQUEST_HEADERS = VOLATILE_HEADERS | {
    "host",
    "user-agent",
    "accept-encoding",
    "cookie",
    "x-entente-test",
    "x-entente-run",
}


def _steady(headers: dict[str, str], volatile: frozenset[str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in volatile}


def dedupe(interactions: Iterable[Interaction]) -> list[Interaction]:
    """One interaction per content hash (the first seen), hashes filled in, order kept."""
    seen: set[str] = set()
    unique: list[Interaction] = []
    for interaction in interactions:
        if not interaction.content_hash:
            interaction = interaction.with_hash()
        if interaction.content_hash in seen:
            continue
        seen.add(interaction.content_hash)
        unique.append(interaction)
    return unique


def passed_hashes(verifications: Iterable[Verification], provider_version: str) -> set[str]:
    """Interaction hashes this provider version has passed in some stored verification."""
    return {
        result.interaction_hash
        for verification in verifications
        if verification.provider_version == provider_version
        for result in verification.results
        if result.ok and result.interaction_hash
    }


def build_verifications(
    provider: str,
    provider_version: str,
    environment: str,
    outcomes: Sequence[Outcome],
    *,
    started_at: datetime,
) -> list[Verification]:
    """One verification per consumer name and version, in first-seen order."""
    grouped: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        key = (outcome.interaction.consumer, outcome.interaction.consumer_version)
        grouped.setdefault(key, []).append(outcome)
    finished = utc_now()
    return [
        Verification(
            provider=provider,
            provider_version=provider_version,
            consumer=consumer,
            consumer_version=consumer_version,
            environment=environment,
            started_at=started_at,
            finished_at=finished,
            results=[o.result for o in group],
        )
        for (consumer, consumer_version), group in grouped.items()
    ]


def draft_fixtures(
    provider: str,
    provider_version: str,
    outcomes: Iterable[Outcome],
    existing: Iterable[Fixture],
) -> list[Fixture]:
    """Draft provider fixtures from the passing outcomes' real answers, leaving out any whose
    `draft_key` an existing fixture (or an earlier new one) already has: the same answer
    but for the ids and times that differ on every run."""
    known = {draft_key(f) for f in existing}
    fresh: list[Fixture] = []
    for outcome in outcomes:
        if not outcome.result.ok or outcome.actual is None or outcome.sent is None:
            continue
        operation_id = outcome.result.operation_id or outcome.interaction.operation_id
        if operation_id is None:
            continue
        response = outcome.actual.model_copy(
            update={"headers": _steady(outcome.actual.headers, VOLATILE_HEADERS)}
        )
        sent = _steady(replay_headers(outcome.sent), VOLATILE_REQUEST_HEADERS)
        fixture = Fixture(
            provider=provider,
            provider_versions=[provider_version],
            operation_id=operation_id,
            status=FixtureStatus.DRAFT,
            source=FixtureSource.PROVIDER,
            request=outcome.sent.model_copy(update={"headers": sent}),
            response=response,
            provider_state=outcome.interaction.provider_state,
            notes=f"from verifying {outcome.interaction.consumer} "
            f"{outcome.interaction.consumer_version}",
        ).with_hash()
        key = draft_key(fixture)
        if key in known:
            continue
        known.add(key)
        fresh.append(fixture)
    return fresh
