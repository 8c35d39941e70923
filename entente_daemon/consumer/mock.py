"""`Mock`: one provider's mock for a consumer's tests, over HTTP and in-process.

A mock is one engine (the spec, the approved fixtures, the options) and one recorder, served
two ways that answer identically and record alike:

* a real HTTP server on 127.0.0.1 (``mock.url``), for any client;
* respx routes, for httpx clients in this process, without a socket: ``mock.router`` (for
  ``mock.url``) and ``with mock.intercept("http://castle.test"):`` (for any base URL).

``close()`` stops the server and uploads what was recorded (see `upload`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from entente_daemon.consumer.intercept import EntenteRouter, engine_router
from entente_daemon.consumer.upload import UploadResult
from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest, MockResponse
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import MockServer
from entente_daemon.model import Interaction
from entente_daemon.openapi import Spec
from entente_daemon.openapi.resolution import SpecChoice
from entente_daemon.record.capture import InteractionCapture
from entente_daemon.record.context import RUN_HEADER, TEST_HEADER
from entente_daemon.record.sinks import MemorySink

log = logging.getLogger("entente.consumer")

Uploader = Callable[[list[Interaction]], UploadResult | None]


class Mock:
    """A started mock of ``provider`` at ``provider_version`` (see the module docstring).

    Made by `EntenteClient.create_mock`. Thread-safe: the server answers in its own thread.
    """

    def __init__(
        self,
        *,
        provider: str,
        spec: Spec,
        spec_choice: SpecChoice,
        engine: MockEngine,
        recorder: InteractionCapture,
        sink: MemorySink,
        uploader: Uploader,
        port: int = 0,
    ) -> None:
        self.provider = provider
        self.provider_version = spec_choice.version
        self.spec = spec
        self.spec_choice = spec_choice
        self.engine = engine
        self.recorder = recorder
        self._sink = sink
        self._uploader = uploader
        self._app = MockApp(engine, recorder=recorder)
        self._server = MockServer(self._app, host="127.0.0.1", port=port)
        self._router: EntenteRouter | None = None
        self._closed = False
        self._uploaded: list[Interaction] = []
        self.upload_result: UploadResult | None = None
        self._server.start()

    def __repr__(self) -> str:
        state = "closed" if self._closed else self.url
        return f"<Mock {self.provider} {self.provider_version} {state}>"

    # -- where it answers ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the HTTP server's base URL."""
        return str(self._server.url).rstrip("/")

    @property
    def port(self) -> int:
        return int(self._server.port)

    @property
    def router(self) -> EntenteRouter:
        """A respx router answering requests to `url` in-process (``with mock.router:``)."""
        if self._router is None:
            self._router = engine_router(self.url, self.answer)
        return self._router

    @contextmanager
    def intercept(self, base_url: str | None = None) -> Iterator[EntenteRouter]:
        """Answer every httpx request (sync or async client) under ``base_url`` (default:
        `url`) in-process while the block runs, recording it like the server does."""
        router = self.router if base_url is None else engine_router(base_url, self.answer)
        with router:
            yield router

    def answer(self, request: MockRequest) -> MockResponse:
        """Answer one request through the engine and record it (what the respx routes do).
        ``X-Entente-Test``/``X-Entente-Run`` headers attribute it, as on the server."""
        started = time.perf_counter()
        test_id = request.header(TEST_HEADER)
        run_id = request.header(RUN_HEADER)
        if test_id is not None or run_id is not None:
            kept = tuple((k, v) for k, v in request.headers if k not in (TEST_HEADER, RUN_HEADER))
            request = MockRequest(
                request.method, request.path, request.query_string, kept, request.body
            )
        result = self.engine.handle(request)
        self.recorder.record(request, result, time.perf_counter() - started, test_id, run_id)
        return result.response

    # -- what it recorded ------------------------------------------------------------------

    @property
    def interactions(self) -> list[Interaction]:
        """What was recorded so far, de-duplicated, oldest first (after `close`: what was
        uploaded)."""
        if self._closed:
            return list(self._uploaded)
        self.recorder.flush()
        return self._sink.interactions()

    # -- closing ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> UploadResult | None:
        """Stop serving, then upload what was recorded. Raises `BrokerUploadError` when the
        broker refused (the recordings are in the local store or spool by then)."""
        if self._closed:
            return self.upload_result
        self._closed = True
        try:
            self._server.stop()
        finally:
            unwritten = self.recorder.close()
            if unwritten:  # a MemorySink never refuses; kept for safety
                self._sink.write(unwritten)
            self._uploaded = self._sink.take()
            self.upload_result = self._uploader(self._uploaded)
        if self.upload_result is not None:
            self.upload_result.raise_for_broker()
        return self.upload_result

    def __enter__(self) -> Mock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
