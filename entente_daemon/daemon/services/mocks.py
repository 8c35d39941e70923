"""The mock-hosting service: every attached consumer project gets a mock per provider it
consumes, served on 127.0.0.1 at the configured port (a free one when none), recording into
the daemon's store, and reloaded when its spec changes.

* Each mock serves from its own thread (`MockServer`: uvicorn with its own event loop), so
  a busy mock never stalls the daemon's loop (the control API, the event stream).
* A spec file change (``$ref``'d files included) reloads the spec in a worker thread and
  swaps the engine (`MockApp.engine` is read once per request, so requests in flight finish
  on the old one): ``spec.reloaded``. A spec that does not load leaves the mock serving the
  last good one: ``spec.error`` with file, line, column and message.
* Each time a spec loads (start or reload), the provider's approved fixtures are rechecked
  against it in the background: ``fixture.flagged`` (`services.fixture_flags`).
* A project attached, or re-attached because its config file changed (the registry watches
  those), lands in `project_changed`: only the mocks whose ``[[providers]]`` entry changed
  are restarted (all of the project's when its ``[limits]`` changed).

Nothing here stops the daemon: every failure is logged and published as an event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

from entente_daemon.client import events as payloads
from entente_daemon.client.wire import MockInfo
from entente_daemon.config import ConsumedProvider, ProjectConfig
from entente_daemon.daemon.services.core import Core
from entente_daemon.daemon.services.fixture_flags import FixtureFlagger
from entente_daemon.daemon.services.hosted import FAILED, RUNNING, STOPPED, HostedMock
from entente_daemon.daemon.services.mock_ports import MockPorts
from entente_daemon.daemon.services.mock_support import FixtureCache, RecorderSink
from entente_daemon.daemon.services.spec_loaded import SpecLoaded, SpecLoadedHook
from entente_daemon.daemon.services.watcher import (
    FileWatcher,
    Signature,
    resolved,
    stat_all,
    with_signatures,
)
from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import DEFAULT_HOST, MockServer, PortInUse
from entente_daemon.model import EventKind
from entente_daemon.openapi import Spec, SpecError, load_spec, load_spec_text
from entente_daemon.openapi.resolution import SpecCandidate, choose_spec
from entente_daemon.record.capture import InteractionCapture
from entente_daemon.record.redact import Redaction
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.mocks")

STOP_TIMEOUT = 10.0
SPEC_RELOADED_NAME = EventKind.SPEC_RELOADED.value
SPEC_ERROR_NAME = EventKind.SPEC_ERROR.value
MOCK_ERROR_NAME = "mock.error"
#: A spec file and the folders its $refs may read: what one load in a reload is shared by.
_LoadKey = tuple[Path, tuple[Path, ...]]


class MockService:
    name = "mocks"

    def __init__(self, core: Core, watcher: FileWatcher, ports_file: Path | None = None) -> None:
        self._ctx = core
        self._ports = MockPorts(ports_file)  # the ports mocks without a configured one got
        self._mocks: dict[tuple[Path, str], HostedMock] = {}
        self._configs: dict[Path, ProjectConfig] = {}
        self._lock = asyncio.Lock()
        self._fixtures = FixtureCache(core.recorder, core.bus)
        self._flags = FixtureFlagger(core.recorder)  # approved fixtures rechecked on each load
        self._watcher = watcher.subscribe(self._files_changed)  # the specs' files
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loaded_hooks: list[SpecLoadedHook] = []

    def on_spec_loaded(self, hook: SpecLoadedHook) -> None:
        """Call ``hook`` with each good load of a spec file (start or reload), so that
        another service can look at the same `Spec` without parsing the save again."""
        self._loaded_hooks.append(hook)

    def _loaded(self, mock: HostedMock, spec: Spec, changed: tuple[Path, ...], seen: float) -> None:
        root = mock.entry.spec_path
        if root is None:
            return
        loaded = SpecLoaded(
            provider=mock.provider,
            spec=spec,
            root=root,
            project=mock.config.file,
            consumer=mock.config.service,
            changed=changed,
            ref_roots=mock.config.spec_ref_roots,
            seen=seen,
        )
        for hook in self._loaded_hooks:
            try:
                hook(loaded)
            except Exception:
                log.exception("a spec-loaded hook failed")

    def infos(self) -> list[MockInfo]:
        """The hosted mocks, as `MockStatus` (``GET /v1/mocks``, ``status``)."""
        return [mock.info() for mock in self._mocks.values()]

    def served_specs(self) -> list[tuple[MockInfo, Spec]]:
        """Each hosted mock that has a spec loaded, with that spec."""
        return [(mock.info(), mock.spec) for mock in self._mocks.values() if mock.spec is not None]

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._fixtures.start()

    async def stop(self) -> None:
        self._watcher.watch({})
        async with self._lock:
            mocks = list(self._mocks.values())
            self._mocks.clear()
            await asyncio.gather(*(self._stop_mock(m) for m in mocks))
        await self._flags.stop()
        await self._fixtures.stop()

    # -- projects ---------------------------------------------------------------------------

    async def project_changed(self, config: ProjectConfig) -> None:
        """A project attached, re-attached, or its config re-read: make its mocks match."""
        async with self._lock:
            await self._reconcile(config)
            self._watch()

    async def _reconcile(self, config: ProjectConfig) -> None:
        previous = self._configs.get(config.file)
        self._configs[config.file] = config
        same_consumer = previous is not None and _identity(previous) == _identity(config)
        same_limits = previous is not None and previous.limits == config.limits  # [limits]
        wanted = {entry.name: entry for entry in config.providers}
        for key, mock in list(self._mocks.items()):
            if key[0] != config.file:
                continue
            entry = wanted.get(mock.provider)
            if entry is not None and entry == mock.entry and same_consumer and same_limits:
                mock.config = config
                if mock.state != FAILED:
                    del wanted[mock.provider]  # unchanged and serving: keep it
                    continue
            del self._mocks[key]
            await self._stop_mock(mock)
        for entry in wanted.values():
            mock = HostedMock(config, entry)
            self._mocks[mock.key] = mock
            await self._start_mock(mock)

    # -- one mock ---------------------------------------------------------------------------

    async def _start_mock(self, mock: HostedMock) -> None:
        config, entry = mock.config, mock.entry
        began = time.perf_counter()
        roots = [entry.spec_path] if entry.spec_path is not None else []
        before = await asyncio.to_thread(stat_all, roots)
        try:
            spec, version = await self._resolve(mock)
        except SpecError as exc:
            mock.state, mock.error = FAILED, str(exc)
            mock.files = await with_signatures(_files_of_error(entry, exc), before)
            await self._spec_error(mock, exc)
            return
        except Exception as exc:
            mock.state, mock.error = FAILED, str(exc)
            mock.files = await with_signatures(roots, before)
            await self._mock_error(mock, f"{mock.label} cannot start: {exc}")
            return
        mock.spec, mock.version = spec, version
        self._flags.recheck_soon(spec, entry.name, version=version, spec_path=entry.spec_path)
        self._loaded(mock, spec, (), began)
        mock.files = await with_signatures(spec.files, before) if roots else {}
        await self._fixtures.load(entry.name)
        provider = entry.name
        engine = MockEngine(
            spec, fixtures=lambda: self._fixtures.supply(provider, mock.version or version)
        )
        recorder = self._recorder(config, provider, version, spec)
        app = MockApp(engine, recorder=recorder, limits=config.limits)
        try:
            server = await self._listen(mock, app)
        except Exception as exc:
            recorder.close(timeout=0)
            where = f"{DEFAULT_HOST}:{entry.port}" if entry.port else DEFAULT_HOST
            problem = f"cannot listen on {where}: {exc}"
            if entry.port:  # the file's setting: the file's advice
                problem += (
                    f"; set another `port = ...` for provider {provider!r} under [[providers]] "
                    f"in {config.file}, or remove the setting for a free port"
                )
            mock.state, mock.error = FAILED, problem
            await self._mock_error(mock, f"{mock.label} {problem}", port=entry.port)
            return
        mock.app, mock.server, mock.recorder = app, server, recorder
        mock.state, mock.error = RUNNING, None
        log.info(
            "serving %s %s on %s (%d operations)",
            mock.label,
            version,
            server.url,
            len(spec.operations),
        )

    async def _listen(self, mock: HostedMock, app: MockApp) -> MockServer:
        """Start serving ``app``: on the configured port, else on the one this mock had
        before (unless it was taken meanwhile), else on a free one, then remembered."""
        entry, file = mock.entry, mock.config.file
        if entry.port:
            server = MockServer(app, DEFAULT_HOST, entry.port)
            await asyncio.to_thread(server.start)
            return server
        before = self._ports.get(file, entry.name)
        server = MockServer(app, DEFAULT_HOST, before or 0)
        try:
            await asyncio.to_thread(server.start)
        except PortInUse:
            if not before:
                raise
            log.info("%s: port %d, which it had before, is taken: a free one", mock.label, before)
            server = MockServer(app, DEFAULT_HOST, 0)
            await asyncio.to_thread(server.start)
        self._ports.remember(file, entry.name, server.port)
        return server

    async def _stop_mock(self, mock: HostedMock) -> None:
        server, mock.server = mock.server, None
        mock.state = STOPPED
        if server is None:
            return
        try:
            # The app's lifespan shutdown closes the recorder: what it holds is written.
            await asyncio.to_thread(server.stop, STOP_TIMEOUT)
            log.info("stopped %s", mock.label)
        except Exception:
            log.exception("stopping %s failed", mock.label)

    async def _resolve(self, mock: HostedMock) -> tuple[Spec, str]:
        """The spec the mock serves and its version: the project's file, else the newest
        fitting version in the local store (`choose_spec`)."""
        entry = mock.entry
        if entry.spec_path is not None:
            spec = await asyncio.to_thread(
                load_spec,
                entry.spec_path,
                validate=False,
                ref_roots=mock.config.spec_ref_roots,
            )
            return spec, spec.version
        name = entry.name

        def stored(store: Store) -> list[SpecCandidate]:
            versions = store.spec_versions.list_versions(name)
            return [
                SpecCandidate(v.version, "store", v.id, order=i) for i, v in enumerate(versions)
            ]

        choice = choose_spec(name, entry.version, await self._ctx.recorder.read(stored))
        log.info("%s", choice.reason)
        found = await self._ctx.recorder.read(
            lambda store: store.spec_versions.get_version(name, choice.version)
        )
        if found is None:
            raise SpecError(f"spec {name}@{choice.version} left the store while loading it")
        document = json.dumps(found.spec)
        spec = await asyncio.to_thread(
            load_spec_text, document, f"{name}@{choice.version}.json", validate=False
        )
        return spec, choice.version

    def _recorder(
        self, config: ProjectConfig, provider: str, version: str, spec: Spec
    ) -> InteractionCapture:
        if self._loop is None:
            raise RuntimeError("the mock service is not started")
        settings = config.recording
        redaction = Redaction.configured(settings).for_spec(spec.security_schemes)
        sink = RecorderSink(
            self._ctx.recorder, self._loop, describe_as="the daemon's store (via its recorder)"
        )
        return InteractionCapture(
            config.service,
            config.version,
            provider,
            version,
            config.environment,
            sink,
            redact=redaction,
            enabled=settings.enabled is not False,
            warn=lambda message: log.warning("%s: %s", provider, message),
        )

    # -- changes ------------------------------------------------------------------------------

    async def stored_specs_changed(self, providers: set[str]) -> None:
        """New spec versions of ``providers`` reached the store (the sync pulled them):
        the mocks that serve a stored spec of one (``spec = "from broker"``) start again on
        the version `choose_spec` picks now. A mock whose start fails keeps its error."""
        async with self._lock:
            for key, mock in list(self._mocks.items()):
                if mock.entry.spec_path is not None or mock.provider not in providers:
                    continue
                del self._mocks[key]
                await self._stop_mock(mock)
                fresh = HostedMock(mock.config, mock.entry)
                self._mocks[fresh.key] = fresh
                await self._start_mock(fresh)
            self._watch()

    def _watch(self) -> None:
        files: dict[Path, Signature] = {}
        for mock in self._mocks.values():
            files.update(mock.files)
        self._watcher.watch(files)

    async def _files_changed(self, changed: set[Path]) -> None:
        began = time.perf_counter()
        async with self._lock:
            loaded: dict[_LoadKey, tuple[Spec | SpecError, dict[Path, Signature]]] = {}
            for mock in list(self._mocks.values()):
                if mock.files.keys() & changed and mock.entry.spec_path is not None:
                    await self._reload(mock, changed, loaded, began)
            self._watch()

    async def _reload(
        self,
        mock: HostedMock,
        changed: set[Path],
        loaded: dict[_LoadKey, tuple[Spec | SpecError, dict[Path, Signature]]],
        began: float,
    ) -> None:
        root = mock.entry.spec_path
        assert root is not None
        if mock.state != RUNNING or mock.app is None:
            del self._mocks[mock.key]  # never served: try again from the start
            fresh = HostedMock(mock.config, mock.entry)
            self._mocks[fresh.key] = fresh
            await self._start_mock(fresh)
            return
        key = (root, mock.config.spec_ref_roots)  # the same file, read with the same rights
        if key not in loaded:
            # Signatures before reading: a save during the load is seen as a change later.
            before = await asyncio.to_thread(stat_all, [root, *mock.files])
            try:
                spec = await asyncio.to_thread(
                    load_spec, root, validate=False, ref_roots=mock.config.spec_ref_roots
                )
                loaded[key] = (spec, before)
            except SpecError as exc:
                loaded[key] = (exc, before)
            except Exception as exc:  # a loader bug: still an event, still the old spec
                log.exception("loading %s failed", root)
                loaded[key] = (SpecError(f"cannot load the spec: {exc}", file=root), before)
        result, before = loaded[key]
        if isinstance(result, SpecError):
            mock.error = str(result)
            mock.files = await with_signatures(
                [*mock.files, *_files_of_error(mock.entry, result)], before
            )
            await self._spec_error(mock, result)
            return
        app = mock.app
        engine = app.engine
        assert isinstance(engine, MockEngine)
        app.engine = engine.with_spec(result)
        mock.spec, mock.version, mock.error = result, result.version, None
        mock.files = await with_signatures(result.files, before)
        if mock.recorder is not None:
            mock.recorder.set_identity(provider_version=result.version)
        reload_ms = round((time.perf_counter() - began) * 1000.0, 3)
        files = sorted(str(f) for f in changed & (mock.files.keys() | resolved([root])))
        log.info(
            "reloaded %s: %d operations, version %s, in %.1f ms",
            mock.label,
            len(result.operations),
            result.version,
            reload_ms,
        )
        await self._publish(
            payloads.SpecReloaded(
                event=SPEC_RELOADED_NAME,
                provider=mock.provider,
                project=str(mock.config.file),
                consumer=mock.config.service,
                file=files[0] if files else str(root),
                files=files,
                spec=str(root),
                version=result.version,
                operations=len(result.operations),
                reload_ms=reload_ms,
            )
        )
        self._flags.recheck_soon(result, mock.provider, version=result.version, spec_path=root)
        self._loaded(mock, result, tuple(Path(f) for f in files), began)

    # -- events ---------------------------------------------------------------------------

    async def _spec_error(self, mock: HostedMock, exc: SpecError) -> None:
        serving = "keeps serving its last good spec" if mock.state == RUNNING else "is not serving"
        log.error("%s: the spec does not load (%s); the mock %s", mock.label, exc, serving)
        await self._publish(
            payloads.SpecError(
                event=SPEC_ERROR_NAME,
                provider=mock.provider,
                project=str(mock.config.file),
                consumer=mock.config.service,
                spec=str(mock.entry.spec_path) if mock.entry.spec_path else None,
                file=str(exc.file) if exc.file is not None else None,
                line=exc.line,
                column=exc.column,
                pointer=exc.pointer,
                message=exc.message,
                serving=mock.state == RUNNING,
            )
        )

    async def _mock_error(self, mock: HostedMock, message: str, **extra: Any) -> None:
        log.error("%s", message)
        await self._publish(
            payloads.MockError(
                event=MOCK_ERROR_NAME,
                provider=mock.provider,
                project=str(mock.config.file),
                consumer=mock.config.service,
                message=message,
                **extra,
            )
        )

    async def _publish(self, payload: payloads.Payload) -> None:
        try:
            await self._ctx.bus.publish(payload.KIND, payload.to_payload())
        except Exception:
            log.exception("could not publish a %s event", payload.KIND.value)


def _identity(config: ProjectConfig) -> tuple[object, ...]:
    """What a project's mocks record as: a change restarts all of them."""
    return (config.service, config.version, config.environment, config.recording)


def _files_of_error(entry: ConsumedProvider, exc: SpecError) -> list[Path]:
    """The files to watch while a spec does not load: its root, and the file at fault."""
    files = [entry.spec_path] if entry.spec_path is not None else []
    if exc.file is not None and exc.file.exists():
        files.append(exc.file)
    return files
