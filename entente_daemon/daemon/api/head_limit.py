"""uvicorn's httptools protocol with a cap on a request's head (request line and headers).

uvicorn reads headers for as long as they come, before the app (and so the guard, which
checks the token) sees anything: an unauthenticated caller on the ``--tcp`` port could
make the daemon hold hundreds of megabytes. Here the bytes of a head are counted as they
arrive; past the cap the request is answered 431 and the connection closed, before any
more is kept. The cap is uvicorn's own setting for h11, ``h11_max_incomplete_event_size``,
so the same `uvicorn.Config` knob serves both parsers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_MAX_HEAD_BYTES = 64 * 1024
LINGER_SECONDS = 2.0  # after the refusal, how long what the client still sends is dropped


class HeadLimitedProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol`, refusing heads over ``config.h11_max_incomplete_event_size``."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_head_bytes: int = config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD_BYTES
        self._head_bytes = 0  # bytes received since the current head began
        self._in_body = False
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # dropped while lingering
        if not self._in_body:
            self._head_bytes += len(data)
        super().data_received(data)
        if not self._in_body and not self._refused and self._head_bytes > self.max_head_bytes:
            self._refuse()

    def on_headers_complete(self) -> None:
        self._in_body = True
        size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if size > self.max_head_bytes:  # a head that arrived whole in one read
            self._refuse()
            raise _Refused
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        self._head_bytes = 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # the parser stopped because of a refusal: answered already
            super().send_400_response(msg)

    def _refuse(self) -> None:
        self._refused = True
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        body = json.dumps(
            {
                "error": f"the request line and headers exceed {self.max_head_bytes} bytes",
                "detail": None,
            }
        ).encode("utf-8")
        transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: %d\r\n"
            b"connection: close\r\n\r\n" % len(body) + body
        )
        if transport.can_write_eof():
            transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)
        else:
            transport.close()


class _Refused(Exception):
    """Raised in a parser callback once the request was refused: stops the parser."""
