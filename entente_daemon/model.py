"""The data model: every record Entente stores, sends over the control API or uploads.

All models are pydantic models with JSON-safe fields, so that ``to_json()`` gives a plain
dict that TinyDB, the control API and the broker all accept, and ``from_json()`` reads it
back with validation. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

#: A state-handler reference: ``module:attribute`` (like ``my_service.states:HANDLERS``).
HANDLER_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the form that content hashes are taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


class Record(BaseModel):
    """Base of every stored model: strict about unknown fields, JSON both ways."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls.model_validate(data)


class Role(StrEnum):
    CONSUMER = "consumer"
    PROVIDER = "provider"
    BOTH = "both"


class Service(Record):
    name: str
    role: Role = Role.CONSUMER
    description: str | None = None
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def id(self) -> str:
        return self.name


class SpecVersion(Record):
    """One published version of a provider's OpenAPI document."""

    service: str
    version: str
    spec: dict[str, Any]
    content_hash: str
    source: str | None = None  # the file or URL it was read from
    uploaded_at: datetime = Field(default_factory=utc_now)
    branch: str | None = None

    @property
    def id(self) -> str:
        return f"{self.service}@{self.version}"

    @classmethod
    def of(
        cls, service: str, version: str, spec: dict[str, Any], source: str | None = None
    ) -> Self:
        return cls(
            service=service,
            version=version,
            spec=spec,
            content_hash=content_hash(spec),
            source=source,
        )


class HttpRequest(Record):
    method: str
    path: str
    query: dict[str, list[str]] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class HttpResponse(Record):
    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


AnswerSource = Literal["fixture", "example", "generated", "provider", "error"]


class MatchContext(Record):
    """Why the mock answered as it did: the operation matched and the answer's source."""

    operation_id: str | None = None
    path_template: str | None = None
    path_params: dict[str, str] = Field(default_factory=dict)
    source: AnswerSource | None = None
    fixture_id: str | None = None
    example_name: str | None = None
    reasons: list[str] = Field(default_factory=list)
    validation_errors: list[str] = Field(default_factory=list)


#: What a recorded interaction stands for: part of its consumer's contract (verified), or
#: exploratory (kept and shown, never verified).
InteractionKind = Literal["contract", "exploratory"]


class Interaction(Record):
    """One request a consumer made and the answer it got, as recorded.

    A test made it (``test_id``: the pytest plugin, ``X-Entente-Test``) or a person promoted
    it (``promoted``): it is part of the consumer's **contract**, verified against the
    provider. Anything else (a ``curl``, ``entente mock --record`` without a test header,
    a request the mock refused that no test made) is **exploratory**: kept and shown, never
    verified unless promoted. Derived, not stored, so data stored before keeps reading.
    """

    id: str = Field(default_factory=new_id)
    content_hash: str = ""
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    environment: str = "local"
    operation_id: str | None = None
    provider_state: str | None = None
    request: HttpRequest
    response: HttpResponse
    duration_ms: float = 0.0
    timestamp: datetime = Field(default_factory=utc_now)
    last_seen: datetime | None = None
    count: int = 1
    test_id: str | None = None
    run_id: str | None = None
    match: MatchContext = Field(default_factory=MatchContext)
    # A person made this one part of the contract (`entente interactions promote`). Not part
    # of the content: the hash ignores it.
    promoted: bool = False
    # What the recorder could not keep as sent (a body too deep or too big stored as text,
    # a header cut short), one line each. Not part of the content: the hash ignores it.
    notes: list[str] = Field(default_factory=list)
    # The response's pact matching rules by category (``body``, ``header``, ``status``),
    # when the interaction came from a pact file (`entente_daemon.pact`): verification then
    # judges the answer by them (`compare.matching_rules`). None: recorded by Entente. Not
    # part of the content: the hash ignores it.
    matching_rules: dict[str, Any] | None = None
    # The pact provider states' params (``{"id": "..."}``), when imported from a pact: state
    # handlers may ask for them by name. Part of the content when given.
    state_params: dict[str, Any] = Field(default_factory=dict)

    @property
    def contract(self) -> bool:
        """Whether it is part of its consumer's contract (see the class docstring)."""
        return self.promoted or bool(self.test_id)

    @property
    def kind(self) -> InteractionKind:
        return "contract" if self.contract else "exploratory"

    def compute_hash(self) -> str:
        """The de-duplication key: who talked to whom, what was said, and the test that made
        it (not when, nor in which run: a test that repeats a request across runs is one
        interaction with a count, while two tests making the same request are two)."""
        content: dict[str, Any] = {
            "test_id": self.test_id,
            "consumer": self.consumer,
            "consumer_version": self.consumer_version,
            "provider": self.provider,
            "provider_version": self.provider_version,
            "operation_id": self.operation_id,
            "provider_state": self.provider_state,
            "request": self.request.to_json(),
            "response": self.response.to_json(),
        }
        if self.state_params:  # only when given: hashes of what was stored before stay
            content["state_params"] = self.state_params
        return content_hash(content)

    def with_hash(self) -> Interaction:
        return self.model_copy(update={"content_hash": self.compute_hash()})


class FixtureStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"


class FixtureSource(StrEnum):
    PROVIDER = "provider"
    CONSUMER = "consumer"
    MANUAL = "manual"


class FixtureFlag(Record):
    """Why an approved fixture no longer fits its provider's spec, as the last check found
    (`entente_daemon.fixtures.checks`). A flagged fixture stays approved: the mock skips
    it while it does not validate, and a person decides whether to fix, reject or keep it."""

    problems: list[str]
    checked_against: str  # the spec: its file or published version, and info.version
    flagged_at: datetime = Field(default_factory=utc_now)
    # The ``fixture.flagged`` event that announced these problems (None: stored, but not
    # announced yet; the next check does).
    event_seq: int | None = None


class Fixture(Record):
    """A request/response pair that a mock may answer with once it is approved."""

    id: str = Field(default_factory=new_id)
    provider: str
    provider_versions: list[str] = Field(default_factory=list)
    operation_id: str
    status: FixtureStatus = FixtureStatus.DRAFT
    source: FixtureSource = FixtureSource.MANUAL
    priority: int = 0
    request: HttpRequest
    response: HttpResponse
    provider_state: str | None = None
    notes: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    approved_by: str | None = None
    approved_at: datetime | None = None
    content_hash: str = ""
    # None: fits (or never checked). Not part of the content: the hash ignores it.
    flag: FixtureFlag | None = None

    @property
    def problems(self) -> list[str]:
        """What no longer fits the provider's spec (empty: nothing known to be wrong)."""
        return list(self.flag.problems) if self.flag is not None else []

    def compute_hash(self) -> str:
        return content_hash(
            {
                "provider": self.provider,
                "operation_id": self.operation_id,
                "provider_state": self.provider_state,
                "request": self.request.to_json(),
                "response": self.response.to_json(),
            }
        )

    def with_hash(self) -> Fixture:
        return self.model_copy(update={"content_hash": self.compute_hash()})


class ErrorKind(StrEnum):
    STATUS_MISMATCH = "status_mismatch"
    STRUCTURE_MISMATCH = "structure_mismatch"
    # An imported pact's matching rule (or its equality) broken at a JSON path.
    RULE_MISMATCH = "rule_mismatch"
    SCHEMA_MISMATCH = "schema_mismatch"
    CONTENT_MISMATCH = "content_mismatch"
    STATE_HANDLER_ERROR = "state_handler_error"
    REQUEST_ERROR = "request_error"


class VerificationResult(Record):
    interaction_id: str
    interaction_hash: str = ""
    operation_id: str | None = None
    ok: bool
    error_kind: ErrorKind | None = None
    path: str | None = None  # JSON path of the first difference, "$.items[0].name"
    expected: Any = None
    actual: Any = None
    message: str | None = None
    duration_ms: float = 0.0


class Verification(Record):
    """One verification run: a provider version checked against one consumer version."""

    id: str = Field(default_factory=new_id)
    provider: str
    provider_version: str
    consumer: str
    consumer_version: str
    environment: str = "local"
    started_at: datetime = Field(default_factory=utc_now)
    finished_at: datetime | None = None
    results: list[VerificationResult] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)


class DeploymentStatus(StrEnum):
    SUCCESSFUL = "successful"
    FAILED = "failed"  # an attempt that did not go live: never active
    UNDEPLOYED = "undeployed"  # the service left the environment


class Deployment(Record):
    """One event in a service's life in an environment. Deployments are only ever added:
    which version is active is worked out from them (the newest successful deployment not
    followed by an undeployment), so no write ever has to change two records at once."""

    id: str = Field(default_factory=new_id)
    service: str
    version: str
    environment: str
    deployed_at: datetime = Field(default_factory=utc_now)
    deployed_by: str | None = None
    active: bool = True  # worked out when read (see the class docstring)
    status: DeploymentStatus = DeploymentStatus.SUCCESSFUL
    role: Role | None = None
    git_sha: str | None = None
    reason: str | None = None  # why a deployment failed


class Environment(Record):
    name: str
    production: bool = False
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def id(self) -> str:
        return self.name


class ServiceVersion(Record):
    """A version of a service that someone registered (CI, `entente register-service`)."""

    service: str
    version: str
    role: Role = Role.CONSUMER
    git_sha: str | None = None
    branch: str | None = None
    spec_hash: str | None = None  # the content hash of the spec it was registered with
    registered_at: datetime = Field(default_factory=utc_now)

    @property
    def id(self) -> str:
        return f"{self.service}@{self.version}"


class Release(Record):
    """A released version of something many versions of which live at once (a library, a
    mobile app): it counts as live in its environment until its support ends."""

    service: str
    version: str
    environment: str
    released_at: datetime = Field(default_factory=utc_now)
    released_by: str | None = None
    support_ended_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"{self.service}@{self.version}@{self.environment}"

    @property
    def supported(self) -> bool:
        return self.support_ended_at is None


class EventKind(StrEnum):
    INTERACTION_RECORDED = "interaction.recorded"
    INTERACTIONS_DELETED = "interactions.deleted"
    INTERACTIONS_PROMOTED = "interactions.promoted"
    TEST_RUN_STARTED = "test_run.started"
    TEST_RUN_FINISHED = "test_run.finished"
    TEST_STARTED = "test.started"
    TEST_FINISHED = "test.finished"
    VERIFICATION_STARTED = "verification.started"
    VERIFICATION_PROGRESS = "verification.progress"
    VERIFICATION_FINISHED = "verification.finished"
    FIXTURE_CREATED = "fixture.created"
    FIXTURE_APPROVED = "fixture.approved"
    FIXTURE_REJECTED = "fixture.rejected"
    FIXTURE_FLAGGED = "fixture.flagged"
    SPEC_RELOADED = "spec.reloaded"
    SPEC_ERROR = "spec.error"
    MOCK_ERROR = "mock.error"
    CONFIG_ERROR = "config.error"
    PROJECT_ERROR = "project.error"
    BREAKING_CHANGE = "spec.breaking_change"
    DEPLOYMENT_RECORDED = "deployment.recorded"
    RELEASE_RECORDED = "release.recorded"
    READINESS_CHANGED = "readiness.changed"
    SYNC_PROGRESS = "sync.progress"
    SYNC_ERROR = "sync.error"
    PROJECT_ATTACHED = "project.attached"
    PROJECT_DETACHED = "project.detached"
    STORE_ERROR = "store.error"
    STORE_SAMPLED = "store.sampled"


class Event(Record):
    """One entry of the live feed; ``seq`` orders events and lets a client resume.

    ``kind`` is an `EventKind`, or the plain name of a kind this version does not know (a
    newer daemon's): such an event still reads, and whoever shows it can say so."""

    seq: int = 0
    kind: Annotated[EventKind | str, Field(union_mode="left_to_right")]
    payload: dict[str, Any] = Field(default_factory=dict)
    time: datetime = Field(default_factory=utc_now)
