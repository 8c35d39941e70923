"""The control API's wire format: paths, the event frame, and the response models.

Records travel as the data model's own JSON (`entente_daemon.model`); the models here only
wrap them (pages, status). They ignore fields they do not know, so a newer daemon may add
some; the event frame carries a schema version ``v`` for the same reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The verification run's models live with the events that carry them.
from entente_daemon.client.events import VerificationFailure as VerificationFailure
from entente_daemon.client.events import VerificationRun as VerificationRun
from entente_daemon.client.events import VerificationState as VerificationState
from entente_daemon.client.events import VerificationStep as VerificationStep
from entente_daemon.model import Event, Fixture, Interaction

API_PREFIX = "/v1"
EVENT_SCHEMA_VERSION = 1
# The Host that clients send over the Unix socket (the URL needs one; the socket has none).
SOCKET_HOST = "entente-daemon"
SOCKET_BASE_URL = f"http://{SOCKET_HOST}"
VERSION_HEADER = "x-entente-version"

# Server-sent event names besides the event kinds.
SSE_READY = "ready"  # first frame of a stream: {"v", "last_seq", "version"}
SSE_OVERFLOW = "overflow"  # the client fell behind: resume from your last id


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class StoreStatus(Wire):
    path: str
    records: dict[str, int] = Field(default_factory=dict)
    pending: int = 0
    error: str | None = None
    sampled: int = 0  # interactions not kept (their bucket was full) since the daemon started


class StoreStats(Wire):
    """What the store holds (`entente store stats`): records per table, interactions per
    provider, bytes on disk, and how many interactions were sampled out (not kept)."""

    path: str
    bytes: int = 0
    files: dict[str, int] = Field(default_factory=dict)  # name -> bytes
    tables: dict[str, int] = Field(default_factory=dict)
    providers: dict[str, int] = Field(default_factory=dict)
    sampled: dict[str, int] = Field(default_factory=dict)
    max_per_key: int = 0


class PruneResult(Wire):
    """What `entente store prune` removes (``dry_run``: would remove): ids by reason."""

    dry_run: bool
    retention_days: float
    older_runs: list[str] = Field(default_factory=list)
    expired: list[str] = Field(default_factory=list)
    deleted: int = 0


class BrokerStatus(Wire):
    """The sync with the broker (``GET /v1/sync``, the daemon's status). ``state``: ``not
    configured``, ``connecting``, ``connected``, ``error`` or ``key refused``; ``queued``:
    records waiting in the outbox (``queued_by_kind``: per table); ``dropped``: records the
    full outbox could not take."""

    state: str = "not configured"
    url: str | None = None
    connected: bool | None = None
    queued: int = 0
    queued_by_kind: dict[str, int] = Field(default_factory=dict)
    dropped: int = 0
    pushed: int = 0
    pulled: int = 0
    cursor: int = 0
    last_push: datetime | None = None
    last_pull: datetime | None = None
    last_error: str | None = None
    checked_at: datetime | None = None


class ProjectInfo(Wire):
    config: str
    service: str
    version: str
    role: str
    environment: str
    providers: list[str] = Field(default_factory=list)
    attached_at: datetime


class ProviderChoice(Wire):
    """A provider project to verify (its folder and service), with its ``[provider]``
    defaults: ``GET /v1/verify/providers``."""

    folder: str
    service: str
    base_url: str | None = None
    state_handlers: str | None = None


class MockInfo(Wire):
    """A mock server the daemon hosts: whose mock it is, which spec file and version it
    serves, where, its state (running, starting, error, stopped), and the last error (a bad
    reload leaves the mock running on its last good spec, with ``error`` saying why the new
    one was refused)."""

    provider: str
    url: str
    project: str | None = None
    consumer: str | None = None
    spec: str | None = None
    version: str | None = None
    port: int | None = None
    state: str = "running"
    error: str | None = None
    operations: int | None = None


class DaemonStatus(Wire):
    pid: int
    version: str
    started_at: datetime
    uptime_s: float
    socket: str
    tcp_port: int | None = None
    store: StoreStatus
    broker: BrokerStatus = Field(default_factory=BrokerStatus)
    projects: list[ProjectInfo] = Field(default_factory=list)
    mocks: list[MockInfo] = Field(default_factory=list)
    watching: list[str] = Field(default_factory=list)  # files watched: specs, configs, reports
    subscribers: int = 0
    last_event_seq: int = 0


class Health(Wire):
    ok: bool
    pid: int
    version: str


class InteractionPage(Wire):
    """A page of interactions in the order recorded (newest last) and the matching total."""

    items: list[Interaction]
    total: int
    offset: int
    limit: int


class UploadFailure(Wire):
    """One interaction of an upload that could not be stored: its place in the batch."""

    index: int
    error: str = ""


class UploadReceipt(Wire):
    """What ``POST /v1/interactions`` did: the ids stored under, in the order sent (""
    for those in ``failed``, which could not be stored, and for those sampled out past
    their bucket's bound, which were counted; the others were stored)."""

    ids: list[str]
    new: int = 0
    merged: int = 0
    sampled: int = 0
    fixtures: int = 0
    failed: list[UploadFailure] = Field(default_factory=list)


class VerificationFinish(Wire):
    """The answer to finishing a run: the run, and what the daemon stored (the new draft
    fixtures only: candidates already stored for the provider are left out)."""

    run: VerificationRun
    verifications: list[str] = Field(default_factory=list)
    fixtures: list[Fixture] = Field(default_factory=list)


class VerificationLaunch(Wire):
    """The answer to ``POST /v1/verify``: the verification process the daemon started, the
    run id it reports under, and its log file."""

    run_id: str
    pid: int
    log: str
    project: str
    provider: str
    base_url: str


class FixtureOperation(Wire):
    """The operation a fixture answers for, as its provider's spec documents it: the request
    schema (for the fixture's media type) and the response schema (for its status), refs
    inlined."""

    method: str
    path: str
    operation_id: str
    summary: str | None = None
    request_media_type: str | None = None
    request_schema: Any = None
    response_status: str | None = None  # the documented key: "200", "4XX", "default"
    response_media_type: str | None = None
    response_schema: Any = None


class FixtureDetail(Wire):
    """``GET /v1/fixtures/{id}/detail``: the fixture, the spec it was checked against
    (``spec`` says which: a file or a published version; None when none is known), the
    operation, and what does not fit the spec now (``problems``, one sentence each)."""

    fixture: Fixture
    spec: str | None = None
    operation: FixtureOperation | None = None
    problems: list[str] = Field(default_factory=list)


class EventPage(Wire):
    events: list[Event]
    last_seq: int


class ErrorBody(Wire):
    error: str
    detail: Any = None


def event_to_wire(event: Event) -> dict[str, Any]:
    """The frame's data: ``{"v": 1, "seq", "kind", "time", "payload"}``."""
    return {"v": EVENT_SCHEMA_VERSION, **event.to_json()}


def event_from_wire(data: dict[str, Any]) -> Event:
    """The event a frame carries. A kind this version does not know (a newer daemon's)
    reads as its plain name (see `entente_daemon.client.events.parse_payload`); fields
    the frame has beside the event's are ignored."""
    fields = {key: value for key, value in data.items() if key in Event.model_fields}
    return Event.from_json(fields)
