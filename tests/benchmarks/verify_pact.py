"""The pact side of the verification benchmark: Entente's recorded interactions written as an
equivalent Pact v3 file, and pact-python's verifier (the Rust core through the FFI that
ships in the ``pact-python-ffi`` wheel: no download, no Ruby, runs offline) run on it.

The pact file holds, per interaction, the recorded request (method, path, query, headers,
JSON body) and response (status, ``Content-Type`` / ``Location`` / ``Allow`` headers, JSON
body). Bodies carry the matching rule ``{"match": "type"}`` at ``$``, which cascades to every
field, so pact compares the body's *structure* as Entente does: each expected key present
with a value of the same JSON type (extra keys allowed), arrays compared item by item by
type. ``Location`` (a new random id each time) is matched by a regex, other headers by value.

pact's verifier reports usage to the internet unless ``PACT_DO_NOT_TRACK`` is set: this
module sets it before pact is imported (the benchmark must only talk to 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entente_daemon.model import Interaction

os.environ["PACT_DO_NOT_TRACK"] = "true"

PACT_SPECIFICATION = "3.0.0"
TYPE_MATCH: dict[str, Any] = {"matchers": [{"match": "type"}]}
LOCATION_REGEX = r"^/castles/[0-9a-fA-F-]{36}$"
PACT_INSTALL_HINT = "pip install 'pact-python>=3'  (the v3 API: pact.Verifier on the Rust FFI)"


class PactUnavailable(RuntimeError):
    """pact-python is missing or too old; the message says what to install."""


def pact_version() -> str:
    """pact-python's version and its FFI's ("4.2.0 (ffi 0.5.12.1)")."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("pact-python")
    except PackageNotFoundError as exc:
        raise PactUnavailable(f"pact-python is not installed: {PACT_INSTALL_HINT}") from exc
    try:
        ffi = version("pact-python-ffi")
    except PackageNotFoundError:
        return ours
    return f"{ours} (pact-python-ffi {ffi})"


def description(index: int, interaction: Interaction) -> str:
    """A unique description (pact keys interactions by description and provider state)."""
    request = interaction.request
    return f"{index:06d} {interaction.operation_id}: {request.method} {request.path}"


def pact_interaction(index: int, interaction: Interaction) -> dict[str, Any]:
    """One recorded interaction as a Pact v3 interaction (see the module's docstring)."""
    recorded_request = interaction.request
    recorded_response = interaction.response
    request: dict[str, Any] = {"method": recorded_request.method, "path": recorded_request.path}
    if recorded_request.query:
        request["query"] = recorded_request.query
    if recorded_request.headers:
        request["headers"] = dict(recorded_request.headers)
    if recorded_request.body is not None:
        request["body"] = recorded_request.body
    response: dict[str, Any] = {"status": recorded_response.status}
    rules: dict[str, Any] = {}
    if recorded_response.headers:
        response["headers"] = dict(recorded_response.headers)
        if "location" in recorded_response.headers:
            rules["header"] = {
                "location": {"matchers": [{"match": "regex", "regex": LOCATION_REGEX}]}
            }
    if recorded_response.body is not None:
        response["body"] = recorded_response.body
        rules["body"] = {"$": TYPE_MATCH}
    if rules:
        response["matchingRules"] = rules
    return {
        "description": description(index, interaction),
        "request": request,
        "response": response,
    }


def pact_document(interactions: list[Interaction]) -> dict[str, Any]:
    """The pact between the interactions' consumer and provider (one of each expected)."""
    if not interactions:
        raise ValueError("no interactions to write a pact of")
    first = interactions[0]
    return {
        "consumer": {"name": first.consumer},
        "provider": {"name": first.provider},
        "interactions": [pact_interaction(i, x) for i, x in enumerate(interactions)],
        "metadata": {
            "pactSpecification": {"version": PACT_SPECIFICATION},
            "generatedBy": "tests/benchmarks/verify_pact.py (from Entente recordings)",
        },
    }


def write_pact(interactions: list[Interaction], directory: Path) -> Path:
    first = interactions[0]
    path = directory / f"{first.consumer}-{first.provider}.json"
    path.write_text(
        json.dumps(pact_document(interactions), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return path


@contextlib.contextmanager
def stdout_silenced() -> Iterator[None]:
    """File descriptor 1 to /dev/null for the block: the Rust core prints its report
    straight to it (and keeps a copy, `Verifier.output`); Entente's verifier prints nothing."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass
class PactRun:
    """One run of pact's verifier: how many interactions it reported, how many passed,
    how long the whole run took, and the first failures (for a message)."""

    total: int
    passed: int
    seconds: float
    failures: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def failed(self) -> int:
        return self.total - self.passed


def run_pact(
    pact_file: Path, base_url: str, provider: str, *, tls_verification: bool = True
) -> PactRun:
    """Verify ``pact_file`` against ``base_url`` with pact-python's `Verifier`; timed from
    the verifier's creation to the end of its run (the pact file is parsed inside it).

    ``tls_verification=False`` calls ``disable_ssl_verification()``. For an ``http://``
    provider that changes no check, but pact's core builds a new HTTP client for every
    interaction and, with verification on, loads the system's CA roots each time (a few
    milliseconds per interaction, most of its time here): off is pact at its fastest."""
    try:
        from pact import Verifier
    except ImportError as exc:
        raise PactUnavailable(
            f"pact-python cannot be imported ({exc}): {PACT_INSTALL_HINT}"
        ) from exc
    if not hasattr(Verifier, "add_transport"):
        raise PactUnavailable(
            f"this pact-python ({pact_version()}) has no v3 Verifier: {PACT_INSTALL_HINT}"
        )
    started = time.perf_counter()
    verifier = (
        Verifier(provider, host="127.0.0.1")
        .add_transport(url=base_url)
        .set_coloured_output(enabled=False)
        .add_source(pact_file)
    )
    if not tls_verification:
        verifier.disable_ssl_verification()
    # verify() raises RuntimeError when an interaction fails: they are counted from results.
    with stdout_silenced(), contextlib.suppress(RuntimeError):
        verifier.verify()
    seconds = time.perf_counter() - started
    results = verifier.results
    outcomes = results.get("interactionResults", [])
    passed = sum(1 for outcome in outcomes if outcome.get("result") == "OK")
    failures = [
        f"{error.get('interaction')}: "
        + "; ".join(m.get("mismatch", "?") for m in error.get("mismatch", {}).get("mismatches", []))
        for error in results.get("errors", [])[:5]
    ]
    return PactRun(
        total=len(outcomes),
        passed=passed,
        seconds=seconds,
        failures=failures,
        output=verifier.output(strip_ansi=True),
    )
