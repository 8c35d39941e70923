"""An in-memory index of the interactions' filter fields, for fast filtered pages.

The store can only filter by reading (and validating) every interaction, about 60 µs
each: a second for 20,000. The daemon is the store's only writer, so it can keep the few
fields that queries filter on in memory instead: built once (on the writer thread, on the
first filtered query), then extended by the recorder as it stores new interactions. A
filtered page is then a scan of small tuples, plus reading the page's records.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import NamedTuple

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import Interaction
from entente_daemon.store import Store


class Row(NamedTuple):
    id: str
    provider: str
    consumer: str
    test_id: str | None
    operation_id: str | None
    run_id: str | None
    method: str
    path: str
    status: int
    contract: bool

    @classmethod
    def of(cls, interaction: Interaction, stored_id: str) -> Row:
        return cls(
            stored_id,
            interaction.provider,
            interaction.consumer,
            interaction.test_id,
            interaction.operation_id,
            interaction.run_id,
            interaction.request.method,
            interaction.request.path,
            interaction.response.status,
            interaction.contract,
        )


class InteractionIndex:
    """Rows in recording order. ``build`` and ``add`` run on the recorder's writer thread;
    ``page`` on any thread."""

    def __init__(self) -> None:
        self._rows: list[Row] | None = None
        self._positions: dict[str, int] = {}  # id -> index in _rows
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._rows is not None

    def build(self, store: Store) -> None:
        if self._rows is not None:
            return
        rows = [Row.of(i, i.id) for i in store.interactions.list()]
        with self._lock:
            self._rows = rows
            self._positions = {row.id: n for n, row in enumerate(rows)}

    def add(self, interaction: Interaction, stored_id: str) -> None:
        """Note a stored interaction. One merged into an earlier one keeps its place; its run
        becomes the newest run that made it, as in the store."""
        with self._lock:
            if self._rows is None:
                return
            position = self._positions.get(stored_id)
            if position is None:
                self._positions[stored_id] = len(self._rows)
                self._rows.append(Row.of(interaction, stored_id))
            elif interaction.run_id:
                self._rows[position] = self._rows[position]._replace(run_id=interaction.run_id)

    def remove(self, ids: Iterable[str]) -> None:
        """Forget deleted interactions."""
        gone = set(ids)
        with self._lock:
            if self._rows is None or not gone:
                return
            self._rows = [row for row in self._rows if row.id not in gone]
            self._positions = {row.id: n for n, row in enumerate(self._rows)}

    def promote(self, ids: Iterable[str]) -> None:
        """Note interactions made part of the contract."""
        with self._lock:
            if self._rows is None:
                return
            for stored_id in ids:
                position = self._positions.get(stored_id)
                if position is not None:
                    self._rows[position] = self._rows[position]._replace(contract=True)

    def page(
        self, where: InteractionFilter, limit: int, offset: int | None
    ) -> tuple[list[str], int, int]:
        """The ids of the page, the total matching, and the page's offset (default: the
        page ending with the newest)."""
        with self._lock:
            if self._rows is None:
                raise RuntimeError("the interaction index is not built")
            matching = [row.id for row in self._rows if where.matches(row)]
        start = max(len(matching) - limit, 0) if offset is None else offset
        return matching[start : start + limit], len(matching), start
