"""External conformance: schemathesis against ``entente mock`` served as a real process.

For the castle spec and each bundled public spec (``tests/specs/public/``), one mock runs
on a free port of 127.0.0.1 with recording off and a temporary ``ENTENTE_HOME``. Then:

- a positive run: valid requests, sent with made-up credentials for the spec's security
  schemes (the mock checks their presence); every answer is documented, of a documented
  media type, matches its schema and documented headers, is not a 5xx, and none is a
  refusal (4xx);
- a negative run: every invalid request is refused with a 4xx that is problem+json.

Failures that are not the mock's fault (or mock bugs already reported) are listed per
spec with their reason (`Known`, `KnownRefusal`); any other failure fails the test.

Why two runs: in schemathesis' terms a 400 for an invalid request is a "status code
conformance" failure whenever the spec documents no 400 (most do not), so the conformance
checks are judged on valid requests only, and refusals are judged on their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from entente_daemon.openapi import load_spec
from tests.conformance import schemathesis_run
from tests.conformance.schemathesis_run import Known, KnownRefusal, RunResult
from tests.conformance.servers import (
    Server,
    entente_mock_command,
    free_port,
    has_entente_mock,
    running,
)

pytest.importorskip("schemathesis", reason="schemathesis is part of the test extras")

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "tests" / "specs" / "public"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    spec: Path
    operations: int  # how many the spec has: each must have been tested
    positive_examples: int
    negative_examples: int
    negative_phases: tuple[str, ...] = schemathesis_run.PHASES
    known: tuple[Known, ...] = ()  # accepted schemathesis failures, each with its reason
    known_refusals: tuple[KnownRefusal, ...] = ()  # accepted 4xx to valid requests, and why


# A form-urlencoded body (style form, explode true) sends an array as repeated keys, so a
# single ``photoUrls=AAA`` *is* the one-element array ["AAA"]: schemathesis meant a string,
# the wire cannot say so, and the mock is right to accept it.
FORM_ARRAY = (
    "Invalid component: in body - photoUrls: Incorrect type",
    "Content-Type: application/x-www-form-urlencoded",
)
FORM_ARRAY_WHY = "a single form value for an array property is a one-element array"
# The other way round, for valid requests: a form body cannot carry an empty array (the
# valid Pet with ``photoUrls: []`` arrives without the required photoUrls) nor an array of
# objects (``tags=id&tags=name``), so the mock refuses what schemathesis meant as valid.
FORM_LIMITS = KnownRefusal(
    "application/x-www-form-urlencoded",
    r"^/photoUrls: request body is missing required property|^/tags/\d+: .*must be an object"
    r"|^: request body has more than \d+ problems",  # the cut-off of a long /tags/N list
    "a form body can carry neither an empty array nor an array of objects",
)

CASES = {
    "castle": Case(ROOT / "examples" / "castle-service" / "openapi.yaml", 4, 25, 10),
    "petstore-v3": Case(
        PUBLIC / "swagger-petstore-v3" / "openapi.yaml",
        19,
        10,
        5,
        known=(
            Known("POST /pet", FORM_ARRAY, FORM_ARRAY_WHY),
            Known("PUT /pet", FORM_ARRAY, FORM_ARRAY_WHY),
        ),
        known_refusals=(FORM_LIMITS,),
    ),
    # What real public specs do (issue 13): an operation documenting no response (a valid
    # request gets 204, an invalid one its 400 first) and idn-hostname/idn-email values
    # (`Bücher.example`, `用户@例子.广告`) that a valid request carries.
    "real-spec-gaps": Case(
        HERE / "specs" / "real-spec-gaps.yaml",
        2,
        25,
        10,
        known=(
            Known(
                "POST /hooks/{hookId}",
                ("Undocumented status code", "Received: 204"),
                "the operation documents no response, so any status is undocumented; the "
                "mock answers a valid request 204 with X-Entente-Note",
            ),
        ),
    ),
    # 34 operations with large schemas: the coverage phase alone makes ~4,400 negative
    # cases (15 s), so its negative run is random data only.
    "adyen-legal-entity-v3": Case(
        PUBLIC / "adyen-legal-entity-v3" / "LegalEntityService-v3.json",
        34,
        5,
        5,
        negative_phases=("examples", "fuzzing"),
    ),
}


@dataclass
class Mock:
    case: Case
    server: Server
    base_url: str
    env: dict[str, str]
    work: Path
    headers: list[str]  # credentials for the spec's security schemes


@pytest.fixture(scope="module", params=sorted(CASES))
def mock(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Mock]:
    if not has_entente_mock():
        pytest.fail("`entente mock` (entente_daemon/cli/mock_command.py) is missing")
    case = CASES[request.param]
    work = tmp_path_factory.mktemp(f"conformance-{request.param}")
    home = work / "entente-home"
    home.mkdir()
    # The mock and schemathesis see only the temporary home, never the user's.
    env = {**os.environ, "ENTENTE_HOME": str(home), "NO_COLOR": "1"}
    spec = load_spec(case.spec)
    base_path = spec.servers[0].base_paths[0] if spec.servers else ""
    port = free_port()
    command = entente_mock_command(case.spec, port, record=False)
    with running(
        f"entente mock {request.param}", command, port, env=env, cwd=work, log_dir=work
    ) as server:
        headers = schemathesis_run.credential_headers(spec.security_schemes)
        yield Mock(case, server, f"{server.origin}{base_path}", env, work, headers)


def check_failures(result: RunResult, mock: Mock) -> None:
    """Exit 0, or exit 1 with every failure covered by the case's known ones."""
    unexplained = result.unexplained(mock.case.known)
    context = result.explain() + "\n--- mock log (tail) ---\n" + mock.server.output()[-4000:]
    assert not unexplained, "\n\n".join(unexplained) + "\n\n" + context
    assert result.returncode in (0, 1), context
    if result.returncode == 1:  # failures, all of them known (else: an error, e.g. network)
        assert result.explained(mock.case.known), context


def test_positive_answers_conform_to_the_spec(mock: Mock) -> None:
    result = schemathesis_run.run(
        mock.case.spec,
        mock.base_url,
        negative=False,
        max_examples=mock.case.positive_examples,
        work_dir=mock.work,
        env=mock.env,
        headers=mock.headers,
    )
    check_failures(result, mock)
    assert len(result.operations()) == mock.case.operations, result.explain()
    statuses = [int(entry["response"]["status"]) for entry in result.entries]
    assert statuses, result.explain()
    assert all(status < 500 for status in statuses), result.explain()
    # Valid requests (sent with credentials) are answered, not refused.
    unexplained, _ = schemathesis_run.refused(result.entries, mock.case.known_refusals)
    assert not unexplained, f"{len(unexplained)} valid requests refused:\n" + "\n".join(
        unexplained[:30]
    )
    assert sum(200 <= status < 300 for status in statuses) > len(statuses) // 2, statuses


def test_invalid_requests_are_refused_with_problem_json(mock: Mock) -> None:
    result = schemathesis_run.run(
        mock.case.spec,
        mock.base_url,
        negative=True,
        max_examples=mock.case.negative_examples,
        work_dir=mock.work,
        env=mock.env,
        phases=mock.case.negative_phases,
        headers=mock.headers,
    )
    check_failures(result, mock)
    assert len(result.operations()) == mock.case.operations, result.explain()
    refused = [entry for entry in result.entries if 400 <= entry["response"]["status"] < 500]
    assert refused, "the negative run made no request the mock refused\n" + result.explain()
    wrong = schemathesis_run.not_problem_json(result.entries)
    assert not wrong, "\n".join(wrong[:20])
