"""Read queries over the store shared by the daemon's API and the CLI's store fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass

from entente_daemon.model import Interaction
from entente_daemon.store import Store

STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_STATUS = re.compile(r"[1-5]xx|[1-5][0-9][0-9]")


@dataclass(frozen=True)
class InteractionFilter:
    """What a page of interactions is narrowed to; None means any.

    ``status`` is a status class (``"4xx"``) or one status (``"404"``); ``text`` matches,
    case-insensitively, anywhere in the method, path, operation id or test id. Every other
    field must be equal. A ``status`` that is neither raises ValueError saying what is
    allowed."""

    provider: str | None = None
    consumer: str | None = None
    test_id: str | None = None
    operation_id: str | None = None
    run_id: str | None = None
    status: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and not _STATUS.fullmatch(self.status):
            raise ValueError(
                f"{self.status!r} is neither a status class ({', '.join(STATUS_CLASSES)}) "
                "nor a status code (100-599)"
            )
        if self.text is not None:
            object.__setattr__(self, "text", self.text.strip().casefold() or None)

    @property
    def empty(self) -> bool:
        return all(
            value is None
            for value in (
                self.provider,
                self.consumer,
                self.test_id,
                self.operation_id,
                self.run_id,
                self.status,
                self.text,
            )
        )

    @property
    def stored_fields_only(self) -> bool:
        """Whether the store can filter on its own (no status or text)."""
        return self.status is None and self.text is None

    def accepts_status(self, status: int) -> bool:
        if self.status is None:
            return True
        if self.status.endswith("xx"):
            return status // 100 == int(self.status[0])
        return status == int(self.status)

    def accepts_text(
        self, method: str, path: str, operation_id: str | None, test_id: str | None
    ) -> bool:
        if self.text is None:
            return True
        return any(
            self.text in value.casefold()
            for value in (method, path, operation_id or "", test_id or "")
        )

    def accepts(self, interaction: Interaction) -> bool:
        """Whether a whole interaction passes every condition."""
        return (
            (self.provider is None or interaction.provider == self.provider)
            and (self.consumer is None or interaction.consumer == self.consumer)
            and (self.test_id is None or interaction.test_id == self.test_id)
            and (self.operation_id is None or interaction.operation_id == self.operation_id)
            and (self.run_id is None or interaction.run_id == self.run_id)
            and self.accepts_status(interaction.response.status)
            and self.accepts_text(
                interaction.request.method,
                interaction.request.path,
                interaction.operation_id,
                interaction.test_id,
            )
        )


def page_interactions(
    store: Store, where: InteractionFilter, limit: int, offset: int | None
) -> tuple[list[Interaction], int, int]:
    """A page of matching interactions in recording order, the total, and the page's
    offset. Without ``offset``: the newest ``limit`` (the page that ends with the newest).

    Unfiltered, only the page is read; filtered, every interaction is (the store has no
    filtered count), about 60 µs each: the daemon uses its `index.InteractionIndex`.
    """
    if where.empty:
        total = store.interactions.count()
        start = max(total - limit, 0) if offset is None else offset
        return store.interactions.list(limit=limit, offset=start), total, start
    matching = store.interactions.list(
        provider=where.provider,
        consumer=where.consumer,
        test_id=where.test_id,
        operation_id=where.operation_id,
        run_id=where.run_id,
    )
    if not where.stored_fields_only:
        matching = [i for i in matching if where.accepts(i)]
    start = max(len(matching) - limit, 0) if offset is None else offset
    return matching[start : start + limit], len(matching), start
