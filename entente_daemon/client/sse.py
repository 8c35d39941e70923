"""A parser for server-sent events (the WHATWG ``text/event-stream`` format), line by line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SseMessage:
    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SseParser:
    """Feed it lines without their line ending; it returns a message at each blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, line: str) -> SseMessage | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment (heartbeat)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SseMessage | None:
        event, data, msg_id, retry = self._event, self._data, self._id, self._retry
        self._event, self._data, self._id, self._retry = "", [], None, None
        if not data and not event:
            return None
        return SseMessage(event=event or "message", data="\n".join(data), id=msg_id, retry=retry)
