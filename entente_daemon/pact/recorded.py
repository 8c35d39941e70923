"""A read pact file as Entente interactions. Pure.

How an imported interaction is marked, so every reader treats it as a recording:

- ``test_id``: ``pact:<description>``: a test made it, so it is the consumer's **contract**
  (`Interaction.contract`), verified, counted by can-i-deploy, coverage and impact;
- ``run_id``: ``pact-<digest>``: one import is one test run of each consumer (its files'
  digests; `entente_daemon.pact.files.run_ids_for`), as a consumer's tests record with all
  its providers in one run: a newer import for the same consumer version replaces the older
  (`records.contracts`), and importing the same files again changes nothing (the same
  content hashes and run: counted again);
- ``operation_id``, ``match.path_template`` and ``path_params`` from the provider's spec
  where one is known and documents the request (the ``openapi`` matcher);
- ``provider_state``: the states' names (joined with `` and `` when several), their params
  in ``state_params``; the response's matching rules in ``matching_rules`` (verification
  honours them); ``notes``: where it came from, and the pact's fields Entente does not use
  (request rules, generators, comments...) as JSON, kept to be read or exported again.
"""

from __future__ import annotations

import json

from entente_daemon.model import (
    HttpRequest,
    HttpResponse,
    Interaction,
    MatchContext,
    content_hash,
)
from entente_daemon.openapi import Spec
from entente_daemon.pact.reading import PactFile, PactInteraction

TEST_PREFIX = "pact:"
KEPT_NOTE = "pact fields kept: "
STATE_JOIN = " and "
_KEPT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def run_id_of(pact: PactFile) -> str:
    """One file, one run: the digest of its text (else of what was read of it)."""
    if pact.digest is not None:
        return "pact-" + pact.digest[:16]
    content = [
        (i.description, i.states, i.request.__dict__, i.response.__dict__)
        for i in pact.interactions
    ]
    return "pact-" + content_hash([pact.consumer, pact.provider, content])[:16]


def as_interactions(
    pact: PactFile,
    *,
    consumer_version: str,
    provider_version: str | None = None,
    spec: Spec | None = None,
    run_id: str | None = None,
) -> list[Interaction]:
    """The pact's HTTP interactions as contract interactions (see the module's docstring).
    ``provider_version`` None: the spec's version, else ``latest``."""
    version = provider_version or (spec.version if spec is not None else None) or "latest"
    run_id = run_id or run_id_of(pact)
    return [
        _interaction(pact, one, consumer_version, version, run_id, spec)
        for one in pact.interactions
    ]


def _interaction(
    pact: PactFile,
    one: PactInteraction,
    consumer_version: str,
    provider_version: str,
    run_id: str,
    spec: Spec | None,
) -> Interaction:
    request = HttpRequest(
        method=one.request.method,
        path=one.request.path,
        query=one.request.query,
        headers=one.request.headers,
        body=one.request.body,
    )
    response = HttpResponse(
        status=one.response.status, headers=one.response.headers, body=one.response.body
    )
    reasons = [f"imported from the pact file {pact.source}"]
    found = spec.match(request.method, request.path) if spec is not None else None
    if found is not None and found.matched and found.operation is not None:
        match = MatchContext(
            operation_id=found.operation.operation_id,
            path_template=found.operation.path,
            path_params={k: str(v) for k, v in found.path_params.items()},
            reasons=reasons,
        )
    else:
        if found is not None:
            reasons.append("the provider's spec has no such operation")
        match = MatchContext(reasons=reasons)
    names = [name for name, _ in one.states]
    params: dict[str, object] = {}
    for _, given in one.states:
        params.update(given)
    notes = [f"imported from {pact.source} (pact {pact.specification}): {one.description}"]
    notes.extend(one.notes)
    if one.kept:
        notes.append(KEPT_NOTE + _KEPT.encode(one.kept))
    interaction = Interaction(
        consumer=pact.consumer,
        consumer_version=consumer_version,
        provider=pact.provider,
        provider_version=provider_version,
        operation_id=match.operation_id,
        provider_state=STATE_JOIN.join(names) if names else None,
        request=request,
        response=response,
        test_id=TEST_PREFIX + one.description,
        run_id=run_id,
        match=match,
        notes=notes,
        matching_rules=one.response.matching_rules,
        state_params=params,
    )
    interaction.content_hash = interaction.compute_hash()
    return interaction
