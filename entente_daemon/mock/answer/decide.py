"""Building the mock's answer for a matched, valid request: fixture, example or generated.

`Answerer.answer` goes through the sources in order and returns a `Served` answer or a
`Refusal` (a problem the engine sends instead):

1. **fixture** (``use_fixtures``, unless ``Prefer: example=`` or ``dynamic=true``): the best
   ranked candidate (see `entente_daemon.fixtures.scoring`) whose status is the preferred
   one when ``Prefer: code=`` was given (otherwise the fixture's own status wins), whose
   media type the request accepts, and which still fits the spec;
2. **example** (``use_examples``, unless ``dynamic=true``) of the chosen status and the
   negotiated media type (see `entente_daemon.mock.answer.examples` for the order);
3. **generated** from the response schema, seeded from the request (method, path, sorted
   query, body): the same request always gets the same answer.

A response documented without content is an empty body (e.g. ``204``). Headers the
response documents as required are added (their example, else generated). An operation that
documents no response at all (``responses: {}``, common in real specs) answers a valid
request ``204`` with no body and ``X-Entente-Note: no response documented``.

**Answers that no longer fit the spec** (``validate_responses``), decided so that a stale
fixture or example never silently passes for the provider's contract:

* a fixture that fails validation (undocumented status or media type, body not matching the
  schema) is skipped: the next candidate, then the example, then generated data answer, and
  the reasons say ``fixture 3f2a1b2c… skipped: no longer valid: …``;
* a spec example that fails its schema is not served when chosen by default: generated data
  is, and the reasons say so;
* what is served anyway is reported: an example asked for with ``Prefer: example=`` (the
  test asked for exactly that body), or generated data for an unsatisfiable schema. Its
  problems go into ``match.validation_errors`` and the engine adds ``X-Entente-Validation:
  failed``.

Everything that does not depend on the request is computed once and cached: example bytes
and their validation, a fixture's bytes and validation, required header values, validators;
generated answers are cached by seed (see `entente_daemon.mock.answer.prepare`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from entente_daemon.fixtures.scoring import explain_ranking, short_id
from entente_daemon.mock.answer.examples import Preferences, default_example, pick_example
from entente_daemon.mock.answer.plan import OperationPlan, StatusChoice
from entente_daemon.mock.answer.prepare import EMPTY, Bodies, Prepared, room
from entente_daemon.mock.answer.problem import (
    EXAMPLE_TOO_LARGE,
    INVALID_PREFER,
    NOT_ACCEPTABLE,
    listing,
)
from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.request import RequestCheck, negotiate
from entente_daemon.model import Fixture
from entente_daemon.openapi import Operation, Spec

Source = Literal["fixture", "example", "generated"]
#: Response headers of a fixture that describe the recorded transfer, not the answer.
_TRANSFER_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}
    | {"content-encoding", "content-type"}
)


@dataclass
class Served:
    status: int
    headers: list[tuple[str, str]]
    prepared: Prepared
    source: Source
    fixture: Fixture | None = None
    example_name: str | None = None
    applied: tuple[str, ...] = ()  # the Prefer preferences honoured
    #: The same answer to every request of its operation with these preferences and
    #: ``Accept`` (an example, an empty body): kept by the `Answerer`, and the same object
    #: each time, so that what is made from it can be kept too.
    static: bool = False


#: The header that says why an answer is what it is when the spec does not say.
NOTE_HEADER = "x-entente-note"

#: The answer to a valid request of an operation that documents no response.
NO_RESPONSE_SERVED = Served(
    204, [(NOTE_HEADER, "no response documented")], EMPTY, "generated", static=True
)


@dataclass(frozen=True)
class Refusal:
    kind: str
    status: int
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    validate_responses: bool
    use_fixtures: bool
    use_examples: bool


class Answerer:
    """The answer sources of one spec (bodies cached in `Bodies`)."""

    def __init__(self, spec: Spec, options: Options) -> None:
        self.spec = spec
        self.options = options
        self.bodies = Bodies(spec, validate=options.validate_responses)
        self._plans: dict[str, OperationPlan] = {}
        # Answers that do not depend on the request beyond (operation, Prefer: code and
        # dynamic, Accept): id(operation) and those → (operation, reasons, answer).
        self._static: dict[tuple[Any, ...], tuple[Operation, tuple[str, ...], Served]] = {}

    def plan(self, operation: Operation) -> OperationPlan:
        plan = self._plans.get(operation.operation_id)
        if plan is None or plan.operation is not operation:
            plan = self._plans[operation.operation_id] = OperationPlan(operation)
        return plan

    # -- the sources in order ---------------------------------------------------------------

    def answer(
        self,
        operation: Operation,
        request: MockRequest,
        check: RequestCheck,
        prefs: Preferences,
        fixtures: Sequence[Fixture],
        reasons: list[str],
    ) -> Served | Refusal:
        plan = self.plan(operation)
        name = operation.operation_id
        if prefs.code is not None:
            choice = plan.preferred(prefs.code)
            if choice is None:
                return Refusal(
                    INVALID_PREFER,
                    400,
                    f"Prefer: code={prefs.code} is not documented for {name}; "
                    f"documented: {plan.documented}",
                )
        else:
            choice = plan.default
            if choice is None:
                reasons.append(f"{name} documents no response: 204, empty")
                return NO_RESPONSE_SERVED
        accept = request.header("accept")
        if prefs.example is not None:
            return self._preferred_example(plan, choice, prefs, accept, reasons)
        use_fixtures = self.options.use_fixtures and not prefs.dynamic
        if use_fixtures:
            served = self._from_fixtures(operation, request, check, prefs, fixtures, reasons)
            if served is not None:
                return served
        key = (id(operation), prefs.code, prefs.dynamic, accept)
        static = self._static.get(key)
        if static is not None and static[0] is operation:
            reasons.extend(static[1])
            return static[2]
        start = len(reasons)
        outcome = self._from_spec(operation, request, check, prefs, choice, accept, reasons)
        if isinstance(outcome, Served) and outcome.static:
            room(self._static)[key] = (operation, tuple(reasons[start:]), outcome)
        return outcome

    def _from_spec(
        self,
        operation: Operation,
        request: MockRequest,
        check: RequestCheck,
        prefs: Preferences,
        choice: StatusChoice,
        accept: str | None,
        reasons: list[str],
    ) -> Served | Refusal:
        """The answer from the spec: an example, generated data or an empty body."""
        name = operation.operation_id
        reasons.append(choice.reason)
        applied = ("code",) if prefs.code is not None else ()
        response = choice.response
        if not response.content:
            reasons.append(f"{choice.status} documents no content: empty body")
            headers = self.bodies.required_headers(choice.status, response)
            return Served(choice.status, headers, EMPTY, "generated", applied=applied, static=True)
        offered = list(response.content)
        media = negotiate(accept, offered)
        if media is None:
            return Refusal(
                NOT_ACCEPTABLE,
                406,
                f"Accept: {accept} matches none of the media types {name} answers "
                f"{choice.status} with: {listing(offered)}",
                {"offered": offered},
            )
        media_type = response.content[media]
        where = f"{choice.status} {media}"
        if self.options.use_examples and not prefs.dynamic:
            example = default_example(media_type, self.spec.deref)
            if example is None:
                reasons.append(f"no example for {where}")
            else:
                prepared = self.bodies.example(media_type, example)
                fits = not prepared.problems or not self.options.validate_responses
                if fits and not prepared.oversize:
                    reasons.append(f"used {example.label} of {where}")
                    headers = self.bodies.required_headers(choice.status, response)
                    return Served(
                        choice.status,
                        headers,
                        prepared,
                        "example",
                        None,
                        example.name,
                        applied,
                        static=True,
                    )
                reasons.append(
                    f"{example.label} of {where} does not fit its schema "
                    f"({_first(prepared.problems)}); generated instead"
                )
        prepared = self.bodies.generate(operation, choice.status, media_type, request, check.path)
        reasons.append(
            f"generated {where} from the schema"
            + (" (Prefer: dynamic=true)" if prefs.dynamic else "")
        )
        if prefs.dynamic:
            applied = (*applied, "dynamic")
        headers = self.bodies.required_headers(choice.status, response)
        return Served(choice.status, headers, prepared, "generated", applied=applied)

    def _from_fixtures(
        self,
        operation: Operation,
        request: MockRequest,
        check: RequestCheck,
        prefs: Preferences,
        fixtures: Sequence[Fixture],
        reasons: list[str],
    ) -> Served | None:
        if not fixtures:
            reasons.append(f"no approved fixture for {operation.operation_id}")
            return None
        ranked, rejected = explain_ranking(fixtures, operation, request, check)
        notes = [f"fixture {short_id(r.fixture)} not a candidate: {r.reason}" for r in rejected]
        accept = request.header("accept")
        for scored in ranked:
            fixture = scored.fixture
            label = f"fixture {short_id(fixture)}"
            if prefs.code is not None and fixture.response.status != prefs.code:
                notes.append(f"{label} skipped: status {fixture.response.status}, not {prefs.code}")
                continue
            prepared = self.bodies.fixture(operation, fixture)
            if prepared.content_type and negotiate(accept, [prepared.content_type]) is None:
                notes.append(f"{label} skipped: Accept: {accept} refuses {prepared.content_type}")
                continue
            if prepared.problems and self.options.validate_responses:
                notes.append(f"{label} skipped: no longer valid: {_first(prepared.problems)}")
                continue
            reasons.extend(notes[:3])
            reasons.append(f"{label} scored {scored.summary}")
            status = fixture.response.status
            response = operation.response_for(status)
            own = [
                (k.lower(), v)
                for k, v in fixture.response.headers.items()
                if k.lower() not in _TRANSFER_HEADERS
            ]
            names = {k.lower() for k in fixture.response.headers}
            documented = self.bodies.required_headers(status, response) if response else []
            headers = [h for h in documented if h[0] not in names] + own
            applied = ("code",) if prefs.code is not None else ()
            return Served(status, headers, prepared, "fixture", fixture, applied=applied)
        reasons.extend(notes[:3])
        if len(notes) > 3:
            reasons.append(f"… and {len(notes) - 3} more fixture(s) passed over")
        reasons.append("no fixture matched")
        return None

    def _preferred_example(
        self,
        plan: OperationPlan,
        choice: StatusChoice,
        prefs: Preferences,
        accept: str | None,
        reasons: list[str],
    ) -> Served | Refusal:
        """``Prefer: example=NAME``: searched in the chosen status's response, then (without
        ``Prefer: code=``) in the operation's other responses; served even if it does not
        fit its schema (then reported), since the test asked for exactly this body."""
        name = prefs.example or ""
        responses = [choice.response]
        if prefs.code is None:
            others = [plan.operation.responses[k] for k in plan.keys]
            responses += [r for r in others if r is not choice.response]
        known: list[str] = []
        for response in responses:
            offered = list(response.content)
            if not offered:
                continue
            first = negotiate(accept, offered)
            order = [first] if first else []
            order += [m for m in offered if m != first and negotiate(accept, [m]) is not None]
            for media in order:
                example = pick_example(response.content[media], name)
                if example is None:
                    continue
                status = choice.status if response is choice.response else plan.status_of(response)
                prepared = self.bodies.example(response.content[media], example)
                if prepared.oversize:
                    detail = f"{_first(prepared.problems)}; not served"
                    return Refusal(EXAMPLE_TOO_LARGE, 500, detail)
                reasons.append(f"used {example.label} of {status} {media} (Prefer: example)")
                headers = self.bodies.required_headers(status, response)
                applied = ("code", "example") if prefs.code is not None else ("example",)
                return Served(status, headers, prepared, "example", None, name, applied)
            for media in offered:
                names = list(response.content[media].examples)
                known.append(f"{response.status} {media}: {listing(names)}")
        scope = f" for status {prefs.code}" if prefs.code is not None else ""
        return Refusal(
            INVALID_PREFER,
            400,
            f"Prefer: example={name} is not an example of {plan.operation.operation_id}{scope}"
            f" that Accept: {accept or '*/*'} allows; examples: {'; '.join(known) or 'none'}",
        )


def _first(problems: Sequence[str]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}" if problems else ""
