"""A last guard before the store: uploaded interactions keep no credentials.

Clients redact as they record (`entente_daemon.record.redact`); the daemon does not trust
that every client does, and blanks the same well-known credential headers and query
parameters again. When that changes anything, the content hash is taken anew, so no secret
influences what is stored.
"""

from __future__ import annotations

from entente_daemon.model import Interaction
from entente_daemon.record.redact import DEFAULT_HEADERS, DEFAULT_QUERY, REDACTED, spelling


def _headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: REDACTED if name.lower() in DEFAULT_HEADERS else value
        for name, value in headers.items()
    }


def query_without_credentials(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """Credential query values blanked, whatever their spelling (``api_key``, ``apiKey``)."""
    return {
        name: [REDACTED] * len(values) if spelling(name) in DEFAULT_QUERY else values
        for name, values in query.items()
    }


def without_credentials(interaction: Interaction) -> Interaction:
    request, response = interaction.request, interaction.response
    clean_request = request.model_copy(
        update={
            "headers": _headers(request.headers),
            "query": query_without_credentials(request.query),
        }
    )
    clean_response = response.model_copy(update={"headers": _headers(response.headers)})
    if clean_request == request and clean_response == response:
        return interaction
    return interaction.model_copy(
        update={"request": clean_request, "response": clean_response, "content_hash": ""}
    )
