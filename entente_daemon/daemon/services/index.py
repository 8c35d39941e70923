"""An in-memory index of the interactions' filter fields, for fast filtered pages.

The store can only filter by reading (and validating) every interaction, about 60 µs
each: a second for 20,000. The daemon is the store's only writer, so it can keep the few
fields that queries filter on in memory instead: built once, in the background when the
daemon starts (or on the first filtered query), from the store's rows (`store.rows`: each
interaction's filter fields, a small table of their own, so no interaction is read), then
extended by the recorder as it stores new interactions. A filtered page is then a scan of
small tuples, plus reading the page's records by id (read alone from the table's file while
the interactions are not in memory).

Building never runs on the recorder's writer thread. A store without complete rows (written
before they existed) has them made once from the interactions, read from disk first without
the store's lock; the rows are installed under it in one go, so no interaction is recorded
half-way through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import Interaction
from entente_daemon.store import Store
from entente_daemon.store.rows import FilterRow

#: One interaction's filter fields (`store.rows.FilterRow`).
Row = FilterRow


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
        """Build the rows from the store (any thread but the writer's; see the module)."""
        if self._rows is not None:
            return

        def install(stored: list[tuple[str, dict[str, Any]]]) -> None:
            rows = [Row.of_stored(row_id, row) for row_id, row in stored]
            with self._lock:
                if self._rows is None:
                    self._rows = rows
                    self._positions = {row.id: n for n, row in enumerate(rows)}

        store.interactions.rows(install)

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

    def add_many(self, added: Iterable[tuple[Interaction, str]]) -> None:
        """Several stored interactions (pulled from the broker), each with its stored id."""
        for interaction, stored_id in added:
            self.add(interaction, stored_id)

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
            if where.empty:
                matching = [row.id for row in self._rows]
            else:
                matching = [row.id for row in self._rows if where.matches(row)]
        start = max(len(matching) - limit, 0) if offset is None else offset
        return matching[start : start + limit], len(matching), start
