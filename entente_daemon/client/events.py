"""The daemon's events, typed: one payload model per `EventKind`.

The daemon builds one of these and puts it on the event (`event_of`); the TUI and
``entente events`` read an event's payload back with `parse_payload`. The wire format is
the models' JSON, with the field names the payloads always had, so stored events and older
daemons' events still read. Every model keeps fields it does not know (a newer daemon may
add some), and an event of a kind this version does not know reads as `UnknownPayload`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from entente_daemon.model import Event, EventKind, Interaction

#: A time as the payloads have always carried it: ``datetime.isoformat()``.
IsoTime = Annotated[datetime, PlainSerializer(lambda t: t.isoformat(), return_type=str)]


class Payload(BaseModel):
    """Base of every event's payload. ``KIND`` is the kind it travels as. A payload
    carries the fields its maker set (an optional field left out stays out, as it always
    did), and leaves out those that are None when ``OMIT_NONE``."""

    model_config = ConfigDict(extra="allow")

    KIND: ClassVar[EventKind]
    OMIT_NONE: ClassVar[bool] = False

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=self.OMIT_NONE)


# -- recordings and fixtures --------------------------------------------------------------


class InteractionRecorded(Payload):
    """One interaction stored: ``new`` false when it was merged into an equal one (a
    repeat: ``count`` is how many it stands for, ``total`` the stored count after it)."""

    KIND = EventKind.INTERACTION_RECORDED
    id: str
    new: bool = True
    consumer: str = ""
    provider: str = ""
    operation_id: str | None = None
    method: str = ""
    path: str = ""
    status: int = 0
    test_id: str | None = None
    run_id: str | None = None
    source: str | None = None
    duration_ms: float = 0.0
    timestamp: IsoTime | None = None
    last_seen: IsoTime | None = None
    count: int = 1
    total: int | None = None

    @classmethod
    def of(cls, interaction: Interaction, *, id: str, new: bool, total: int) -> Self:  # noqa: A002
        """The event for ``interaction`` stored under ``id``. Besides who and what, a live
        view's row needs the answer's source, how long it took, when it was made
        (``last_seen`` when it stands for several) and how many times (for a repeat, ``new:
        false``, how many to add to the stored one's count; ``total``: the stored count after
        it, which a view can apply more than once without harm)."""
        return cls(
            id=id,
            new=new,
            consumer=interaction.consumer,
            provider=interaction.provider,
            operation_id=interaction.operation_id,
            method=interaction.request.method,
            path=interaction.request.path,
            status=interaction.response.status,
            test_id=interaction.test_id,
            run_id=interaction.run_id,
            source=interaction.match.source,
            duration_ms=interaction.duration_ms,
            timestamp=interaction.timestamp,
            last_seen=interaction.last_seen,
            count=interaction.count,
            total=total,
        )


class InteractionsChanged(Payload):
    """Stored interactions changed at once (``ids``: which)."""

    ids: list[str] = Field(default_factory=list)


class InteractionsDeleted(InteractionsChanged):
    """Interactions deleted (`entente interactions delete`, the TUI)."""

    KIND = EventKind.INTERACTIONS_DELETED


class InteractionsPromoted(InteractionsChanged):
    """Interactions made part of their consumer's contract (`entente interactions
    promote`): from now on they are verified."""

    KIND = EventKind.INTERACTIONS_PROMOTED


class FixtureCreated(Payload):
    KIND = EventKind.FIXTURE_CREATED
    id: str
    provider: str = ""
    operation_id: str = ""
    status: str = ""


class FixtureDecided(FixtureCreated):
    """A fixture approved or rejected, by whom and with which note."""

    by: str | None = None
    note: str | None = None


class FixtureApproved(FixtureDecided):
    KIND = EventKind.FIXTURE_APPROVED


class FixtureRejected(FixtureDecided):
    KIND = EventKind.FIXTURE_REJECTED


class FixtureFlagged(FixtureCreated):
    """An approved fixture that no longer fits its spec (``cleared``: it fits again)."""

    KIND = EventKind.FIXTURE_FLAGGED
    problems: list[str] = Field(default_factory=list)
    spec: str | None = None
    cleared: bool = False


# -- specs, mocks, projects, the store ----------------------------------------------------


class Named(Payload):
    """A payload that names its event once more, or a finer one (``junit.error`` for a
    ``spec.error``): ``event``, the kind's name unless told otherwise, always sent."""

    event: str = ""

    def model_post_init(self, context: Any, /) -> None:
        if not self.event:
            self.event = self.KIND.value


class SpecReloaded(Named):
    KIND = EventKind.SPEC_RELOADED
    provider: str | None = None
    project: str | None = None
    consumer: str | None = None
    file: str | None = None
    files: list[str] = Field(default_factory=list)
    spec: str | None = None
    version: str | None = None
    operations: int | None = None
    reload_ms: float | None = None


class SpecError(Named):
    """A spec that does not load (``serving``: the mock keeps its last good one), or a
    test report that does not read (``event``: ``junit.error``)."""

    KIND = EventKind.SPEC_ERROR
    provider: str | None = None
    project: str | None = None
    consumer: str | None = None
    spec: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str | None = None
    message: str = ""
    serving: bool | None = None


class MockError(Named):
    """A mock that cannot start or listen."""

    KIND = EventKind.MOCK_ERROR
    provider: str | None = None
    project: str | None = None
    consumer: str | None = None
    message: str = ""
    port: int | None = None  # the port it could not listen on


class ConfigError(Named):
    """A project's ``entente.toml`` that does not read: the one loaded before stays."""

    KIND = EventKind.CONFIG_ERROR
    config: str | None = None
    file: str | None = None
    key: str | None = None  # the setting at fault: ``providers[0].port``
    line: int | None = None
    message: str = ""


class ProjectError(Named):
    """A project that could not be re-attached, or whose start-up hook failed."""

    KIND = EventKind.PROJECT_ERROR
    config: str | None = None
    message: str = ""


class ProjectAttached(Named):
    KIND = EventKind.PROJECT_ATTACHED
    config: str
    service: str
    reattached: bool = False


class ProjectDetached(Named):
    """A project detached: the daemon no longer serves its mocks nor watches its files."""

    KIND = EventKind.PROJECT_DETACHED
    config: str
    service: str = ""


class StoreError(Named):
    """The store cannot write to disk (once per failure episode), and its finer names:
    ``store.recovered`` when it writes again (the end of the episode), ``record.error``
    when interactions could not be stored (``interactions`` names them; the others of
    their batch were)."""

    KIND = EventKind.STORE_ERROR
    message: str = ""
    pending: int = 0
    path: str | None = None
    interactions: list[str] | None = None


class StoreSampled(Named):
    """The store sampled a bucket: it already keeps ``kept`` distinct interactions of this
    provider, consumer version, operation, status and test, so new ones are counted, not
    stored (``store.bounds``). Once per bucket while the daemon runs."""

    KIND = EventKind.STORE_SAMPLED
    provider: str = ""
    consumer: str = ""
    consumer_version: str = ""
    operation_id: str | None = None
    status: int = 0
    test_id: str | None = None
    kept: int = 0
    message: str = ""


# -- test runs ---------------------------------------------------------------------------


class TestPayload(Payload):
    """A test event as the reporter sent it (``POST /v1/test-runs/events``), without its
    kind; ``test_run.finished`` carries the run's counts."""

    __test__ = False  # not a pytest test class
    OMIT_NONE = True
    run_id: str
    project: str
    test_id: str | None = None
    outcome: str | None = None
    duration_s: float | None = None
    counts: dict[str, int] | None = None
    source: str = "pytest"


class TestRunStarted(TestPayload):
    KIND = EventKind.TEST_RUN_STARTED


class TestRunFinished(TestPayload):
    KIND = EventKind.TEST_RUN_FINISHED


class TestStarted(TestPayload):
    KIND = EventKind.TEST_STARTED


class TestFinished(TestPayload):
    KIND = EventKind.TEST_FINISHED


# -- verification runs -------------------------------------------------------------------

VerificationState = Literal["running", "passed", "failed", "error"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class VerificationStep(_Wire):
    """The interaction a verification run checked last (``last`` of a progress report).
    ``path`` is the request's path; ``path_in_body`` the JSON path of the first difference."""

    interaction_id: str
    consumer: str | None = None
    method: str | None = None
    path: str | None = None
    ok: bool
    error_kind: str | None = None
    path_in_body: str | None = None
    message: str | None = None


class VerificationFailure(_Wire):
    """One failed interaction of a finished run, enough to show it without another call.
    ``request`` is the recorded request line (``GET /castles/42``); ``state_handler_error``
    repeats the message when the provider's state could not be set up."""

    interaction_id: str
    consumer: str
    consumer_version: str
    operation_id: str | None = None
    request: str | None = None
    kind: str | None = None
    path: str | None = None
    expected: Any = None
    actual: Any = None
    message: str | None = None
    state_handler_error: str | None = None


class VerificationRun(_Wire):
    """A verification run as the daemon follows it, and the payload of every
    ``verification.*`` event. ``total`` is what is to be verified, ``done`` how many so far;
    ``failures`` is filled once it finished (at most `failures_total`, capped); ``pid`` and
    ``log`` are set for runs the daemon started itself (``POST /v1/verify``), ``log_tail``
    when such a run died before it finished."""

    id: str
    provider: str
    provider_version: str
    environment: str = "local"
    state: VerificationState = "running"
    total: int = 0
    done: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    project: str | None = None
    base_url: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    last: VerificationStep | None = None
    error: str | None = None
    failures: list[VerificationFailure] = Field(default_factory=list)
    failures_total: int = 0
    verifications: list[str] = Field(default_factory=list)  # ids of the stored ones
    fixtures_created: int = 0
    pid: int | None = None
    log: str | None = None
    log_tail: str | None = None


class VerificationPayload(VerificationRun, Payload):
    model_config = ConfigDict(extra="allow")

    @classmethod
    def of(cls, run: VerificationRun) -> Self:
        return cls.model_validate(run.model_dump(mode="json"))


class VerificationStarted(VerificationPayload):
    KIND = EventKind.VERIFICATION_STARTED


class VerificationProgress(VerificationPayload):
    KIND = EventKind.VERIFICATION_PROGRESS


class VerificationFinished(VerificationPayload):
    KIND = EventKind.VERIFICATION_FINISHED


# -- the broker (kinds the daemon names but does not emit yet) ---------------------------


class BrokerNotice(Payload):
    message: str | None = None


# -- breaking changes (a watched provider spec saved) -------------------------------------


class BreakingBaseline(_Wire):
    """What a saved spec was compared with: the last ``registered`` (uploaded) version of
    the service in the store, else the file at the ``git`` HEAD (``ref``: the commit),
    else the spec as the daemon first loaded it (``first-load``)."""

    source: Literal["registered", "git", "first-load"]
    version: str | None = None  # the baseline's info.version (the registered version)
    ref: str | None = None  # the git commit, for "git"


class BreakingImpact(_Wire):
    """A recorded contract interaction that a change breaks: whose, which test made it, on
    which operation, and the field it reads or sends (a JSON path in the body; None: the
    whole operation or status)."""

    consumer: str
    consumer_version: str = ""
    test: str | None = None
    operation: str = ""  # "GET /castles/{id}"
    operation_id: str | None = None
    field: str | None = None
    interaction_id: str | None = None
    message: str = ""


class BreakingChangeItem(_Wire):
    """One rule that fired (`entente_daemon.diff.changes.Change`, made JSON), the schema at
    that place in the baseline and in the new spec (cut to a few KB of JSON), whether
    this save made it (``introduced``: it was not there before the save), and the recorded
    interactions it breaks."""

    rule: str
    level: str  # breaking | warning | info
    side: str  # request | response | spec
    operation: str = ""  # "GET /castles/{id}", empty for the whole API
    path: str | None = None
    method: str | None = None
    status: str | None = None
    media_type: str | None = None
    parameter: str | None = None
    pointer: str = ""  # into the body
    spec_pointer: str = ""  # into the new spec's bundled document
    file: str | None = None
    line: int | None = None
    message: str = ""
    old: Any = None
    new: Any = None
    old_schema: Any = None
    new_schema: Any = None
    introduced: bool = False
    impacts: list[BreakingImpact] = Field(default_factory=list)


class BreakingCounts(_Wire):
    breaking: int = 0
    warning: int = 0
    info: int = 0
    consumers: int = 0  # distinct consumers broken
    unused: int = 0  # breaking changes no recorded consumer uses


class BreakingChange(Named):
    """The breaking changes of a watched provider spec against its baseline, after a save.
    Each event **replaces** the previous one for the same ``provider`` and ``spec``: one
    without ``changes`` clears the alert (the edit was undone)."""

    KIND = EventKind.BREAKING_CHANGE
    provider: str = ""
    spec: str = ""  # the spec's root file
    file: str | None = None  # the file saved
    project: str | None = None
    consumer: str | None = None  # the consumer project whose copy it is; None: the provider's
    version: str | None = None
    baseline: BreakingBaseline | None = None
    changes: list[BreakingChangeItem] = Field(default_factory=list)
    consumers: list[str] = Field(default_factory=list)  # "castle-client 1.0.0", broken
    counts: BreakingCounts = Field(default_factory=BreakingCounts)
    save: int = 0  # this spec's saves since the daemon started watching it
    detect_ms: float | None = None  # save seen → event built
    message: str = ""

    @property
    def cleared(self) -> bool:
        return not self.changes

    @property
    def key(self) -> tuple[str, str]:
        """What a newer event of the same spec replaces."""
        return (self.provider, self.spec)


# -- deployments ---------------------------------------------------------------------------


class DeploymentRecorded(Payload):
    """A deployment (or a failed attempt, or an undeployment) was recorded."""

    KIND = EventKind.DEPLOYMENT_RECORDED
    id: str
    service: str
    version: str
    environment: str
    status: str  # successful | failed | undeployed
    deployed_by: str | None = None
    previous: str | None = None  # the version that was active before (None: none)
    reason: str | None = None


class ReleaseRecorded(Payload):
    """A version was released to an environment, or its support ended."""

    KIND = EventKind.RELEASE_RECORDED
    service: str
    version: str
    environment: str
    supported: bool


class ReadinessChanged(Payload):
    """What a deployment or a verification changed in the readiness of an environment's
    pairs: the environments to look at again, and why."""

    KIND = EventKind.READINESS_CHANGED
    environments: list[str]
    services: list[str]
    cause: str  # "deployment" | "release" | "verification"


class SyncProgress(BrokerNotice):
    """The sync with the broker moved records (``pushed``/``pulled`` this time), or is
    connected again; ``queued``: what the outbox still holds."""

    KIND = EventKind.SYNC_PROGRESS
    url: str | None = None
    pushed: int = 0
    pulled: int = 0
    queued: int = 0
    cursor: int = 0


class SyncError(BrokerNotice):
    """The sync failed (the outbox is kept): ``cause`` is ``unreachable`` (no answer),
    ``key`` (the broker refused the key), ``broker`` (it answered an error),
    ``rejected`` (records it refused for good, named in the message) or ``outbox full``."""

    KIND = EventKind.SYNC_ERROR
    url: str | None = None
    cause: str = "broker"
    queued: int = 0


# -- reading -----------------------------------------------------------------------------


class UnknownPayload(BaseModel):
    """The payload of an event this version cannot read: a kind from a newer daemon, or a
    payload that does not fit its kind's model. ``data`` is the payload as it came."""

    kind: str
    data: dict[str, Any] = Field(default_factory=dict)
    problem: str | None = None


PAYLOADS: dict[EventKind, type[Payload]] = {
    model.KIND: model
    for model in (
        InteractionRecorded,
        InteractionsDeleted,
        InteractionsPromoted,
        FixtureCreated,
        FixtureApproved,
        FixtureRejected,
        FixtureFlagged,
        SpecReloaded,
        SpecError,
        MockError,
        ConfigError,
        ProjectError,
        ProjectAttached,
        ProjectDetached,
        StoreError,
        StoreSampled,
        TestRunStarted,
        TestRunFinished,
        TestStarted,
        TestFinished,
        VerificationStarted,
        VerificationProgress,
        VerificationFinished,
        BreakingChange,
        DeploymentRecorded,
        ReleaseRecorded,
        ReadinessChanged,
        SyncProgress,
        SyncError,
    )
}


def event_of(payload: Payload) -> Event:
    """A new event carrying ``payload`` (numbered when the daemon stores it)."""
    return Event(kind=payload.KIND, payload=payload.to_payload())


def parse_payload(event: Event) -> Payload | UnknownPayload:
    """The event's payload as its kind's model; `UnknownPayload` when the kind is not
    known here or the payload does not fit."""
    kind = event.kind
    model = PAYLOADS.get(kind) if isinstance(kind, EventKind) else None
    if model is None:
        return UnknownPayload(kind=str(kind), data=event.payload)
    try:
        return model.model_validate(event.payload)
    except ValidationError as exc:
        return UnknownPayload(kind=str(kind), data=event.payload, problem=str(exc))


def is_known(event: Event) -> bool:
    """Whether this version knows the event's kind."""
    return isinstance(event.kind, EventKind)
