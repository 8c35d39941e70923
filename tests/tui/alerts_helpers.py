"""Helpers for the Alerts screen's tests: a broken castle spec, and reading the alert table."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from entente_daemon.openapi import load_spec
from entente_daemon.openapi.errors import SpecError
from entente_tui.app import EntenteApp
from entente_tui.widgets.alert_table import AlertTable

BROKEN_MARK = "paths:\n"


def broken_spec(text: str, scratch: Path) -> tuple[str, int, int]:
    """The spec with a YAML syntax error under ``paths:``, and the line and column the spec
    loader blames (read from the loader itself, on a scratch copy)."""
    assert BROKEN_MARK in text, "the castle spec changed: update this helper"
    broken = text.replace(BROKEN_MARK, BROKEN_MARK + "  /broken: {unclosed\n", 1)
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "openapi.yaml"
    copy.write_text(broken, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(copy)
    line, column = caught.value.line, caught.value.column
    assert line is not None
    assert column is not None
    return broken, line, column


def alert_rows(app: App[None]) -> list[tuple[str, str, str]]:
    """(kind, where, what) of every row of the alert table, top to bottom."""
    table = app.screen.query_one(AlertTable)
    rows = []
    for index in range(table.row_count):
        _time, kind, where, what = table.get_row_at(index)
        rows.append((str(kind), str(where), str(what)))
    return rows


def toasts(app: App[None]) -> list[tuple[str, str]]:
    """(title, message) of the notifications the app shows now."""
    return [(n.title, n.message) for n in app._notifications]


def delivered(app: EntenteApp, seq: int) -> bool:
    """The app has read event ``seq`` from the stream and handed it to its screens."""
    return (app.last_seq or 0) >= seq and not app._pending
