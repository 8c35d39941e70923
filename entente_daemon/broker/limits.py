"""The broker's request limits as ASGI middleware: a body over the size limit is refused
with 413 before it is read whole, and a request that takes too long gets 503."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Routes that may take longer than the request timeout (ten times it).
SLOW_PATHS = ("/can-i-deploy", "/matrix")


def error_bytes(code: str, message: str, field: str | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()


async def _send_error(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_body: int, timeout: float) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = error_bytes(
            "too_large",
            f"the request body is over the broker's limit of {self.max_body} bytes; "
            "send smaller batches",
            "body",
        )
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _send_error(send, 413, too_big)
            return
        seen = 0
        started = False
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body and not started:
                    # Answered here, once; the app sees the client go, and what it sends
                    # after is dropped.
                    refused = True
                    await _send_error(send, 413, too_big)
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        path = scope.get("path", "")
        # The feed's long-poll has its own bound; the first question after the records
        # changed gathers the facts anew, which takes longer with millions of interactions.
        timeout = (
            None
            if path.endswith("/events")
            else self.timeout * 10
            if path.endswith(SLOW_PATHS)
            else self.timeout
        )
        try:
            async with asyncio.timeout(timeout):
                await self.app(scope, counted, tracked)
        except TimeoutError:
            if not started and not refused:
                message = f"the broker did not answer within {timeout:g} s; try again"
                await _send_error(send, 503, error_bytes("timeout", message))
        except Exception:
            if not refused:
                raise
