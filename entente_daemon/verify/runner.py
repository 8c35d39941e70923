"""The replay loop: for each recorded interaction, set the provider's state, replay the
request against the real provider, compare its answer with the recorded one, clean up.

No store here: interactions in, `Outcome`s out (see `results` for what is kept of them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from entente_daemon.compare.response import Mismatch, compare
from entente_daemon.model import (
    ErrorKind,
    HttpRequest,
    HttpResponse,
    Interaction,
    VerificationResult,
)
from entente_daemon.openapi import Spec
from entente_daemon.verify.state import (
    StateHandlerFailed,
    StateHandlers,
    choose_handler,
    run_cleanup,
    run_handler,
    substitute,
)

OnMissing = Literal["fail", "continue"]
Progress = Callable[[Interaction, VerificationResult], None]

REDACTED = "[REDACTED]"
#: Headers that describe one connection or that httpx computes itself for the replay.
SKIPPED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
    }
)
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """One interaction verified: its result, the request really sent (after substitution)
    and the provider's answer (None when it was not replayed)."""

    interaction: Interaction
    result: VerificationResult
    sent: HttpRequest | None = None
    actual: HttpResponse | None = None
    mismatches: tuple[Mismatch, ...] = ()
    missing_handler: bool = False  # failed because no state handler was found for it


def replay_headers(request: HttpRequest) -> dict[str, str]:
    """The recorded headers worth sending again: not redacted credentials, not hop-by-hop."""
    return {
        k: v
        for k, v in request.headers.items()
        if v != REDACTED and k.lower() not in SKIPPED_HEADERS
    }


def replay(client: httpx.Client, request: HttpRequest) -> HttpResponse:
    """Send ``request`` with ``client`` (its base URL is the provider) and decode the answer:
    JSON for JSON media types, text otherwise, None for no body."""
    headers = replay_headers(request)
    body: dict[str, Any] = {}
    if request.body is not None:
        if isinstance(request.body, str):
            body["content"] = request.body.encode("utf-8")
        else:
            body["json"] = request.body
    answer = client.request(
        request.method,
        request.path,
        params=[(k, v) for k, values in request.query.items() for v in values],
        headers=headers,
        **body,
    )
    return HttpResponse(
        status=answer.status_code, headers=dict(answer.headers), body=decode_body(answer)
    )


def decode_body(answer: httpx.Response) -> Any:
    if not answer.content:
        return None
    content_type = answer.headers.get("content-type", "").lower()
    essence = content_type.split(";", 1)[0].strip()
    if essence == "application/json" or essence.endswith("+json"):
        try:
            return answer.json()
        except ValueError:
            return answer.text
    return answer.text


def _failure(
    interaction: Interaction, kind: ErrorKind, message: str, started: float
) -> VerificationResult:
    return VerificationResult(
        interaction_id=interaction.id,
        interaction_hash=interaction.content_hash,
        operation_id=interaction.operation_id,
        ok=False,
        error_kind=kind,
        message=message,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def verify_one(
    client: httpx.Client,
    spec: Spec,
    interaction: Interaction,
    *,
    state_handlers: StateHandlers | None = None,
    cleanup: Callable[..., Any] | None = None,
    on_missing: OnMissing = "fail",
) -> Outcome:
    """Verify one interaction; never raises for a provider or handler fault (it fails)."""
    started = time.perf_counter()
    outcome = _verify(client, spec, interaction, state_handlers, on_missing, started)
    if cleanup is None:
        return outcome
    try:
        run_cleanup(cleanup, interaction)
    except StateHandlerFailed as exc:
        if outcome.result.ok:
            failed = _failure(interaction, ErrorKind.STATE_HANDLER_ERROR, str(exc), started)
            return Outcome(interaction, failed, outcome.sent, outcome.actual, outcome.mismatches)
    return outcome


def _verify(
    client: httpx.Client,
    spec: Spec,
    interaction: Interaction,
    state_handlers: StateHandlers | None,
    on_missing: OnMissing,
    started: float,
) -> Outcome:
    label = f"{interaction.request.method} {interaction.request.path}"
    choice = choose_handler(state_handlers, interaction)
    new_values: dict[str, Any] = {}
    missing_note: str | None = None
    if choice.handler is None or choice.key is None:
        tried = " or ".join(repr(k) for k in choice.tried) or "(no state or operationId)"
        missing = f"{label}: no state handler for {tried}"
        if on_missing == "fail":
            return Outcome(
                interaction,
                _failure(interaction, ErrorKind.STATE_HANDLER_ERROR, missing, started),
                missing_handler=True,
            )
        missing_note = missing + "; replayed without state"
    else:
        try:
            new_values = run_handler(choice.key, choice.handler, interaction)
        except StateHandlerFailed as exc:
            return Outcome(
                interaction,
                _failure(interaction, ErrorKind.STATE_HANDLER_ERROR, f"{label}: {exc}", started),
            )
    sent = substitute(interaction, new_values)
    match = spec.match(sent.method, sent.path)
    if not match.matched or match.operation is None:
        message = f"{label}: the provider's spec documents no operation for this request"
        return Outcome(
            interaction, _failure(interaction, ErrorKind.REQUEST_ERROR, message, started), sent
        )
    try:
        actual = replay(client, sent)
    except httpx.HTTPError as exc:
        message = f"{label}: the request to {client.base_url} failed: {exc!r}"
        return Outcome(
            interaction, _failure(interaction, ErrorKind.REQUEST_ERROR, message, started), sent
        )
    mismatches = compare(
        spec, match.operation, interaction.response, actual, rules=interaction.matching_rules
    )
    elapsed = (time.perf_counter() - started) * 1000
    first = mismatches[0] if mismatches else None
    result = VerificationResult(
        interaction_id=interaction.id,
        interaction_hash=interaction.content_hash,
        operation_id=interaction.operation_id or match.operation.operation_id,
        ok=first is None,
        error_kind=first.kind if first else None,
        path=first.path if first else None,
        expected=first.expected if first else None,
        actual=first.actual if first else None,
        message=("\n".join(m.message for m in mismatches) if mismatches else missing_note),
        duration_ms=elapsed,
    )
    return Outcome(interaction, result, sent, actual, tuple(mismatches))


def verify_all(
    base_url: str,
    spec: Spec,
    interactions: Iterable[Interaction],
    *,
    state_handlers: StateHandlers | None = None,
    cleanup: Callable[..., Any] | None = None,
    on_missing: OnMissing = "fail",
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Outcome]:
    """Verify each interaction in order, one at a time (state handlers are not concurrent)."""
    outcomes: list[Outcome] = []
    with httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False) as client:
        for interaction in interactions:
            outcome = verify_one(
                client,
                spec,
                interaction,
                state_handlers=state_handlers,
                cleanup=cleanup,
                on_missing=on_missing,
            )
            outcomes.append(outcome)
            if progress is not None:
                progress(interaction, outcome.result)
    return outcomes
