"""Which interactions to show: the one filter the TUI's table, the daemon's queries and the
daemon's index all apply, and how it travels as ``GET /v1/interactions`` parameters."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from entente_daemon.model import Interaction

STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_STATUS = re.compile(r"[1-5]xx|[1-5][0-9][0-9]")

#: field -> its query parameter (and, but for ``text``, its `AsyncDaemonClient.interactions`
#: argument)
PARAMS = {
    "provider": "provider",
    "consumer": "consumer",
    "test_id": "test",
    "operation_id": "operation",
    "run_id": "run",
    "status": "status",
    "kind": "kind",
    "text": "q",
}
#: What ``kind`` may be: `Interaction.kind`.
KINDS = ("contract", "exploratory")


class Filterable(Protocol):
    """What a filter looks at, flat: an index row, a table row."""

    @property
    def provider(self) -> str: ...
    @property
    def consumer(self) -> str: ...
    @property
    def test_id(self) -> str | None: ...
    @property
    def operation_id(self) -> str | None: ...
    @property
    def run_id(self) -> str | None: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def contract(self) -> bool: ...


@dataclass(frozen=True)
class InteractionFilter:
    """What a list of interactions is narrowed to; None means any.

    ``status`` is a status class (``"4xx"``) or one status (``"404"``); ``text`` matches,
    case-insensitively and without its outer blanks, anywhere in the method, path,
    operation id or test id (kept as typed, for showing); ``kind`` is ``contract`` or
    ``exploratory`` (`Interaction.kind`). Every other field must be equal. A ``status`` or
    ``kind`` that is neither raises ValueError saying what is allowed."""

    provider: str | None = None
    consumer: str | None = None
    test_id: str | None = None
    operation_id: str | None = None
    run_id: str | None = None
    status: str | None = None
    kind: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"{self.kind!r} is not one of {', '.join(KINDS)}")
        if self.status is not None and not _STATUS.fullmatch(self.status):
            raise ValueError(
                f"{self.status!r} is neither a status class ({', '.join(STATUS_CLASSES)}) "
                "nor a status code (100-599)"
            )

    @cached_property
    def needle(self) -> str | None:
        """The text as it is looked for (None: no text to look for)."""
        return (self.text or "").strip().casefold() or None

    @property
    def empty(self) -> bool:
        return self.needle is None and all(
            value is None
            for value in (
                self.provider,
                self.consumer,
                self.test_id,
                self.operation_id,
                self.run_id,
                self.status,
                self.kind,
            )
        )

    @property
    def stored_fields_only(self) -> bool:
        """Whether the store can filter on its own (no status, kind, text or test short name)."""
        return (
            self.status is None
            and self.kind is None
            and self.needle is None
            and self.stored_test_id == self.test_id
        )

    @property
    def stored_test_id(self) -> str | None:
        """The test as the store can look it up: a node id (``tests/test_a.py::test_b``);
        None for a short name, which `accepts_test` checks."""
        return self.test_id if self.test_id is None or ".py::" in self.test_id else None

    def accepts_test(self, test_id: str | None) -> bool:
        """The test's node id, or its short name: ``test_b`` or ``test_b[1]`` for
        ``tests/test_a.py::test_b[1]`` (``Class::test_b`` for a method)."""
        wanted = self.test_id
        if wanted is None or test_id == wanted:
            return True
        if test_id is None or "::" in wanted and not test_id.endswith(f"::{wanted}"):
            return False
        short = test_id.rsplit("::", 1)[-1]
        return wanted in (short, short.split("[", 1)[0]) or test_id.endswith(f"::{wanted}")

    def accepts_status(self, status: int) -> bool:
        if self.status is None:
            return True
        if self.status.endswith("xx"):
            return status // 100 == int(self.status[0])
        return status == int(self.status)

    def accepts_text(
        self, method: str, path: str, operation_id: str | None, test_id: str | None
    ) -> bool:
        needle = self.needle
        if needle is None:
            return True
        return any(
            needle in value.casefold()
            for value in (method, path, operation_id or "", test_id or "")
        )

    def matches(self, item: Interaction | Filterable) -> bool:
        """Whether an interaction (or a row standing for one) passes every condition."""
        if isinstance(item, Interaction):
            method, path, status = item.request.method, item.request.path, item.response.status
        else:
            method, path, status = item.method, item.path, item.status
        return (
            (self.provider is None or item.provider == self.provider)
            and (self.consumer is None or item.consumer == self.consumer)
            and self.accepts_test(item.test_id)
            and (self.operation_id is None or item.operation_id == self.operation_id)
            and (self.run_id is None or item.run_id == self.run_id)
            and self.accepts_status(status)
            and (self.kind is None or (self.kind == "contract") == item.contract)
            and self.accepts_text(method, path, item.operation_id, item.test_id)
        )

    accepts = matches  # the daemon's queries' name for it

    # -- as query parameters ----------------------------------------------------------------

    def query_params(self) -> dict[str, str]:
        """The ``GET /v1/interactions`` parameters that apply it (the text stripped)."""
        values = dataclasses.asdict(self) | {"text": (self.text or "").strip() or None}
        return {PARAMS[name]: value for name, value in values.items() if value}

    def client_args(self) -> dict[str, str]:
        """The arguments of `AsyncDaemonClient.interactions` that apply it."""
        return {
            ("text" if param == "q" else param): value
            for param, value in self.query_params().items()
        }

    @classmethod
    def from_query(cls, arg: Callable[[str], str | None]) -> InteractionFilter:
        """The filter a request's query parameters describe (``arg(name)``: the value)."""
        return cls(**{name: arg(param) for name, param in PARAMS.items()})
