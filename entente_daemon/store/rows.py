"""Each stored interaction's row: the few fields that filters, the bounds and de-duplication
read (about 200 bytes of JSON, against 1 to 2 KB for the interaction), kept as a table of
their own, ``interaction_rows``, so that they can be had without reading every interaction.
Like the interactions, the rows are read on first use (`snapshot.LAZY_TABLES`): a process
that needs neither (``entente mock``, most commands) reads neither.

The rows are *derived*: nobody writes them. The engine makes an interaction's row from each
change to the interactions as it is recorded and as the journal is replayed at open (the
same journal line: an interaction and its row can never disagree, whatever a crash leaves),
and writes the rows' file at compaction whenever the interactions changed. A store whose
snapshot has no rows file (written before rows existed) has them made once, from the
interactions, when first asked for (`Engine.complete_derived`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..model import Interaction
from .bounds import BucketKey

ROWS_TABLE = "interaction_rows"

Row = dict[str, Any]


class FilterRow(NamedTuple):
    """What a filter (`client.filters.InteractionFilter.matches`) reads of an interaction,
    from its row or its model."""

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
    def of_stored(cls, stored_id: str, row: Row) -> FilterRow:
        """Of a stored row (`row_of_doc`; nothing validated)."""
        return cls(
            stored_id,
            row["p"],
            row["c"],
            row["t"],
            row["o"],
            row["r"],
            row["m"],
            row["u"],
            row["s"],
            row["k"],
        )

    @classmethod
    def of(cls, interaction: Interaction, stored_id: str) -> FilterRow:
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


def row_of_doc(doc: dict[str, Any]) -> Row:
    """The row of a stored interaction document (nothing validated)."""
    request = doc.get("request") or {}
    response = doc.get("response") or {}
    return {
        "p": str(doc.get("provider", "")),
        "c": str(doc.get("consumer", "")),
        "cv": str(doc.get("consumer_version", "")),
        "o": doc.get("operation_id"),
        "t": doc.get("test_id"),
        "r": doc.get("run_id"),
        "m": str(request.get("method", "")),
        "u": str(request.get("path", "")),
        "s": int(response.get("status", 0)),
        "k": bool(doc.get("promoted")) or bool(doc.get("test_id")),
        "h": doc.get("content_hash"),
    }


def row_of(interaction: Interaction) -> Row:
    """The row of an interaction about to be stored (as `row_of_doc` its document)."""
    return row_of_doc(interaction.to_json())


def bucket_of_row(row: Row) -> BucketKey:
    """The bucket (`store.bounds`) of the interaction a row stands for."""
    return (row["p"], row["c"], row["cv"], row["o"], row["s"], row["t"])


#: Derived tables: source table -> (derived table, the derived document of a source one).
DERIVED: dict[str, tuple[str, Callable[[dict[str, Any]], Row]]] = {
    "interactions": (ROWS_TABLE, row_of_doc),
}
