"""The consumer API: ``create_client()`` then ``client.create_mock("castle-service")``.
For example::

    client = create_client()                     # reads entente.toml
    with client.create_mock("castle-service") as castle:
        CastleClient(castle.url).list_castles()  # answered from the spec, recorded
    # closing the mock uploaded the recordings (daemon, else the local store)

    with client.record_traffic("castle-service", base_url="http://127.0.0.1:8000") as seen:
        CastleClient("http://127.0.0.1:8000").list_castles()  # the real service answers
    seen.interactions, seen.fixtures             # recorded; draft fixtures proposed
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.consumer.fixtures import LocalFixtures, local_fixtures, stored_fixtures
from entente_daemon.consumer.mock import Mock
from entente_daemon.consumer.passthrough import PassThroughRouter, draft_fixtures
from entente_daemon.consumer.upload import UploadResult, upload
from entente_daemon.mock.answer.engine import MockEngine, MockOptions
from entente_daemon.model import Fixture, Interaction
from entente_daemon.openapi import Spec, load_spec, load_spec_text
from entente_daemon.openapi.resolution import (
    SpecCandidate,
    SpecChoice,
    SpecResolutionError,
    choose_spec,
)
from entente_daemon.record.capture import InteractionCapture
from entente_daemon.record.context import RecordingContext, recording_context
from entente_daemon.record.policy import recording_enabled
from entente_daemon.record.redact import Redaction
from entente_daemon.record.sinks import MemorySink
from entente_daemon.records import StoreRecords
from entente_daemon.store import DEFAULT_LOCK_TIMEOUT

log = logging.getLogger("entente.consumer")

RUN_ID_ENV = "ENTENTE_RUN_ID"


def create_client(
    project: str | Path | None = None,
    *,
    consumer: str | None = None,
    consumer_version: str | None = None,
    environment: str | None = None,
    recording: bool | None = None,
) -> EntenteClient:
    """A client for the project whose ``entente.toml`` is at or above ``project`` (default:
    the current folder). ``recording`` defaults to on in CI (``CI=true``) or when the
    Entente daemon runs, else off."""
    config = load_project_config(Path(project) if project is not None else None)
    return EntenteClient(
        config,
        consumer=consumer,
        consumer_version=consumer_version,
        environment=environment,
        recording=recording,
    )


class EntenteClient:
    """A consumer's handle on Entente: mocks of the providers it consumes, recording."""

    def __init__(
        self,
        config: ProjectConfig,
        *,
        consumer: str | None = None,
        consumer_version: str | None = None,
        environment: str | None = None,
        recording: bool | None = None,
        run_id: str | None = None,
        context: RecordingContext | None = None,
        store_path: Path | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.config = config
        self.consumer = consumer or config.service
        self.consumer_version = consumer_version or config.version
        self.environment = environment or config.environment
        self.recording, self.recording_reason = recording_enabled(
            recording, config.recording.enabled
        )
        shared = context if context is not None else recording_context()
        self.run_id = run_id or os.environ.get(RUN_ID_ENV) or shared.run_id or uuid.uuid4().hex
        self.context: RecordingContext = _Attribution(shared, self.run_id)
        self.store_path = store_path
        self.records = StoreRecords(store_path)  # published specs and approved fixtures
        self.lock_timeout = lock_timeout  # how long an upload waits for another store writer
        self._mocks: list[Mock] = []
        self.uploads: list[UploadResult] = []  # what each closed mock's upload did
        self._specs: dict[str, Spec] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "recording" if self.recording else "not recording"
        return f"<EntenteClient {self.consumer} {self.consumer_version} ({state})>"

    # -- specs -----------------------------------------------------------------------------

    def spec_candidates(self, provider: str) -> list[SpecCandidate]:
        """The specs available for ``provider``: the project's file, the local store's."""
        candidates: list[SpecCandidate] = []
        configured = self.config.provider(provider)
        if configured.spec_path is not None:
            spec = self._project_spec(configured.spec_path)
            candidates.append(SpecCandidate(spec.version, "project", str(configured.spec_path)))
        versions = self.records.spec_versions(provider)
        candidates += [
            SpecCandidate(v.version, "store", v.id, order=index) for index, v in enumerate(versions)
        ]
        return candidates

    def resolve_spec(self, provider: str, version: str | None = None) -> tuple[Spec, SpecChoice]:
        """The spec a mock of ``provider`` serves (``version`` default: the configured one)."""
        asked = version or self.config.provider(provider).version
        choice = choose_spec(provider, asked, self.spec_candidates(provider))
        log.info("%s", choice.reason)
        if choice.source == "project":
            return self._project_spec(Path(choice.candidate.location)), choice
        return self._stored_spec(provider, choice.version), choice

    def _project_spec(self, path: Path) -> Spec:
        key = str(path)
        with self._lock:
            if key not in self._specs:
                self._specs[key] = load_spec(
                    path, validate=False, ref_roots=self.config.spec_ref_roots
                )
            return self._specs[key]

    def _stored_spec(self, provider: str, version: str) -> Spec:
        key = f"store:{provider}@{version}"
        with self._lock:
            if key not in self._specs:
                stored = self.records.spec_version(provider, version)
                if stored is None:  # removed between listing and loading
                    raise SpecResolutionError(
                        f"spec {provider}@{version} was removed from the store while loading it"
                    )
                self._specs[key] = load_spec_text(
                    json.dumps(stored.spec), f"{provider}@{version}.json", validate=False
                )
            return self._specs[key]

    # -- mocks -----------------------------------------------------------------------------

    def create_mock(
        self,
        provider: str,
        version: str | None = None,
        *,
        use_fixtures: bool = True,
        use_examples: bool = True,
        validate_requests: bool = True,
        validate_responses: bool = True,
        local_fixtures: LocalFixtures = None,
        port: int | None = None,
    ) -> Mock:
        """A started mock of ``provider`` (one this project consumes), serving the spec
        version `resolve_spec` picks (see ``mock.spec_choice``), answering from the store's
        approved fixtures and ``local_fixtures``. ``port``: default any free one."""
        spec, choice = self.resolve_spec(provider, version)
        fixtures: tuple[Fixture, ...] = ()
        if use_fixtures:
            fixtures = tuple(
                stored_fixtures(provider, choice.version, self.store_path)
                + _local(local_fixtures, provider, spec)
            )
        engine = MockEngine(
            spec,
            fixtures=fixtures,
            options=MockOptions(
                validate_requests=validate_requests,
                validate_responses=validate_responses,
                use_fixtures=use_fixtures,
                use_examples=use_examples,
            ),
        )
        sink = MemorySink()
        mock = Mock(
            provider=provider,
            spec=spec,
            spec_choice=choice,
            engine=engine,
            recorder=self._recorder(provider, choice.version, spec, sink),
            sink=sink,
            uploader=self._upload,
            port=port or 0,
        )
        with self._lock:
            self._mocks.append(mock)
        return mock

    def _recorder(
        self, provider: str, version: str, spec: Spec, sink: MemorySink
    ) -> InteractionCapture:
        return InteractionCapture(
            self.consumer,
            self.consumer_version,
            provider,
            version,
            self.environment,
            sink,
            redact=self._redaction(spec),
            enabled=self.recording,
            context=self.context,
        )

    def _redaction(self, spec: Spec) -> Redaction:
        """The built-in credential names, the project's ``[recording]`` ones, the spec's."""
        settings = self.config.recording
        return Redaction.configured(settings).for_spec(spec.security_schemes)

    def _upload(
        self, interactions: list[Interaction], fixtures: list[Fixture] | None = None
    ) -> UploadResult | None:
        if not interactions and not fixtures:
            return None
        result = upload(
            interactions,
            fixtures or [],
            broker=self.config.broker,
            store_path=self.store_path,
            lock_timeout=self.lock_timeout,
        )
        with self._lock:
            self.uploads.append(result)
        return result

    # -- recording real traffic ------------------------------------------------------------

    @contextmanager
    def record_traffic(
        self, provider: str, base_url: str, *, version: str | None = None
    ) -> Iterator[TrafficRecording]:
        """Let httpx calls under ``base_url`` reach the real provider and record them (even
        when recording is otherwise off: asking is enough), proposing draft fixtures. On
        leaving the block the interactions and new fixtures are uploaded."""
        spec, choice = self.resolve_spec(provider, version)
        sink = MemorySink()
        recorder = InteractionCapture(
            self.consumer,
            self.consumer_version,
            provider,
            choice.version,
            self.environment,
            sink,
            redact=self._redaction(spec),
            context=self.context,
        )
        recording = TrafficRecording(provider, choice, recorder, sink)
        router = PassThroughRouter(base_url, spec, recorder.record)
        try:
            with router:
                yield recording
        finally:
            recording.finish()
            recording.upload_result = self._upload(recording.interactions, recording.fixtures)
        if recording.upload_result is not None:
            recording.upload_result.raise_for_broker()

    # -- closing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close every mock this client made (each uploads what it recorded)."""
        with self._lock:
            mocks, self._mocks = self._mocks, []
        errors: list[Exception] = []
        for mock in mocks:
            try:
                mock.close()
            except Exception as exc:  # close the others; report the first
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> EntenteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TrafficRecording:
    """What `EntenteClient.record_traffic` saw: interactions and proposed draft fixtures."""

    def __init__(
        self, provider: str, spec_choice: SpecChoice, recorder: InteractionCapture, sink: MemorySink
    ) -> None:
        self.provider = provider
        self.spec_choice = spec_choice
        self._recorder = recorder
        self._sink = sink
        self._done = False
        self.upload_result: UploadResult | None = None

    @property
    def interactions(self) -> list[Interaction]:
        if not self._done:
            self._recorder.flush()
        return self._sink.interactions()

    @property
    def fixtures(self) -> list[Fixture]:
        """Consumer-sourced draft fixtures, one per distinct real answer."""
        return draft_fixtures(self.interactions)

    def finish(self) -> None:
        if not self._done:
            self._done = True
            unwritten = self._recorder.close()
            if unwritten:
                self._sink.write(unwritten)


class _Attribution(RecordingContext):
    """What a client's recorders read: the shared context's test id (the pytest plugin sets
    it per test) and its run id, else this client's own run id. Setting it sets the shared
    one."""

    def __init__(self, shared: RecordingContext, run_id: str) -> None:
        super().__init__()
        self.shared = shared
        self.own_run_id = run_id

    def current(self) -> tuple[str | None, str | None]:
        test_id, run_id = self.shared.current()
        return test_id, run_id or self.own_run_id

    @property
    def test_id(self) -> str | None:
        return self.current()[0]

    @property
    def run_id(self) -> str | None:
        return self.current()[1]

    def set(self, test_id: str | None, run_id: str | None = None) -> None:
        self.shared.set(test_id, run_id)

    def set_run(self, run_id: str | None) -> None:
        self.shared.set_run(run_id)

    def set_test(self, test_id: str | None) -> None:
        self.shared.set_test(test_id)

    @contextmanager
    def test(self, test_id: str, run_id: str | None = None) -> Iterator[None]:
        with self.shared.test(test_id, run_id):
            yield


def _local(source: LocalFixtures, provider: str, spec: Spec) -> list[Fixture]:
    return local_fixtures(source, provider, spec)
