"""A small broker for the sync's tests: the broker API's sketch, in memory, on 127.0.0.1.

The part under test is the daemon's sync, so this server keeps only what the sync relies
on: bearer keys (401), idempotent uploads (interactions by content hash, the rest by id),
fixture decisions where the later ``at`` wins, and the event feed with a long poll. It can
be told to answer every request with 500 (``failing``), and counts every upload it was
sent (``posts``) so a test can tell "sent twice" from "stored twice".
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

KEY = "test-key-123"


class BrokerState:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.interactions: dict[str, dict[str, Any]] = {}  # by content hash
        self.records: dict[str, dict[str, dict[str, Any]]] = {}  # table -> id -> record
        self.events: list[dict[str, Any]] = []
        self.posts: Counter[str] = Counter()
        self.failing = False
        self.keys = {KEY}

    def add_event(self, kind: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.events.append({"cursor": len(self.events) + 1, "kind": kind, "payload": payload})
            self.lock.notify_all()


#: path -> (table, the event an addition makes, the fields of its id). A list answers under
#: the table's name, as the broker's does (`client.broker_wire`).
_TABLES = {
    "/api/v1/spec-versions": ("specs", "spec.uploaded", ("service", "version")),
    "/api/v1/service-versions": ("versions", None, ("service", "version")),
    "/api/v1/environments": ("environments", "environment.created", ("name",)),
    "/api/v1/verifications": ("verifications", "verification.published", ("id",)),
    "/api/v1/deployments": ("deployments", "deployment.recorded", ("id",)),
    "/api/v1/releases": ("releases", "release.recorded", ("service", "version", "environment")),
    "/api/v1/fixtures": ("fixtures", "fixture.proposed", ("id",)),
}


def _id(record: dict[str, Any], fields: tuple[str, ...]) -> str:
    return "@".join(str(record.get(f)) for f in fields)


class _Handler(BaseHTTPRequestHandler):
    state: BrokerState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base names it so)
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _guard(self) -> bool:
        if self.state.failing:
            self._send(500, {"error": {"code": "boom", "message": "the broker failed"}})
            return False
        if self.path.startswith("/api/v1/health"):
            return True
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if key not in self.state.keys:
            self._send(401, {"error": {"code": "unauthorized", "message": "unknown API key"}})
            return False
        return True

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:
        if not self._guard():
            return
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state = self.state
        if url.path == "/api/v1/events":
            after, wait = int(query.get("after", 0)), float(query.get("wait", 0))
            with state.lock:
                state.lock.wait_for(lambda: len(state.events) > after, timeout=wait)
                events = state.events[after : after + int(query.get("limit", 100))]
                self._send(200, {"events": events, "next": after + len(events)})
            return
        if url.path == "/api/v1/interactions":
            with state.lock:
                found = [
                    i
                    for i in state.interactions.values()
                    if all(i.get(k) == v for k, v in query.items() if k in ("provider", "consumer"))
                ]
            self._send(200, {"interactions": found, "next": None})
            return
        for path, (table, _kind, _fields) in _TABLES.items():
            if url.path == path:
                with state.lock:
                    found = [
                        r
                        for r in state.records.get(table, {}).values()
                        if all(
                            r.get(k) == v
                            for k, v in query.items()
                            if k in ("service", "provider", "consumer")
                        )
                    ]
                self._send(200, {table: found, "next": None})
                return
        self._send(404, {"error": {"code": "not_found", "message": url.path}})

    def do_POST(self) -> None:
        if not self._guard():
            return
        url = urlparse(self.path)
        body = self._body()
        state = self.state
        state.posts[url.path] += 1
        if url.path == "/api/v1/interactions":
            created = 0
            with state.lock:
                for item in body["interactions"]:
                    if item["content_hash"] not in state.interactions:
                        state.interactions[item["content_hash"]] = item
                        created += 1
                        state.add_event(
                            "interaction.uploaded",
                            {"provider": item["provider"], "consumer": item["consumer"]},
                        )
            total = len(body["interactions"])
            self._send(200, {"created": created, "duplicates": total - created})
            return
        parts = url.path.split("/")
        if len(parts) == 6 and parts[3] == "fixtures" and parts[5] in ("approve", "reject"):
            self._decide(parts[4], parts[5], body)
            return
        if url.path in _TABLES:
            table, kind, fields = _TABLES[url.path]
            batch = body.get(table) if table in ("fixtures", "verifications") else [body]
            with state.lock:
                records = state.records.setdefault(table, {})
                for item in batch:
                    key = _id(item, fields)
                    if key not in records:
                        records[key] = item
                        if kind is not None:
                            payload = {
                                k: item[k] for k in ("service", "provider", "consumer") if k in item
                            }
                            state.add_event(kind, payload)
            self._send(200, body)
            return
        self._send(404, {"error": {"code": "not_found", "message": url.path}})

    def _decide(self, fixture_id: str, verb: str, body: dict[str, Any]) -> None:
        state = self.state
        with state.lock:
            fixture = state.records.get("fixtures", {}).get(fixture_id)
            if fixture is None:
                self._send(404, {"error": {"code": "not_found", "message": fixture_id}})
                return
            at = datetime.fromisoformat(body["at"])
            known = fixture.get("approved_at")
            if known is None or at > datetime.fromisoformat(known):
                fixture.update(
                    status="approved" if verb == "approve" else "rejected",
                    approved_by=body.get("by"),
                    approved_at=body["at"],
                )
                state.add_event("fixture.decided", {"provider": fixture["provider"]})
        self._send(200, fixture)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a daemon stopping during a long poll) is
        no error of the broker's; anything else is printed as usual."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def running_broker() -> Iterator[tuple[str, BrokerState]]:
    """A stub broker on a free loopback port: its URL and its state."""
    state = BrokerState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
