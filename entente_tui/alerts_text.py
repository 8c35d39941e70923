"""How an alert reads: where it happened (``file:line:column``), what is wrong in one line,
and the whole story for the detail view. Shared by the app's toasts and the Alerts screen,
so that both say the same thing.

The payloads are the daemon's (``daemon/services/``: ``mocks.py``, ``projects.py``,
``test_runs.py``, ``store_writer.py``): a ``spec.error`` carries
``file``/``line``/``column``/``pointer``/``message`` (a ``junit.error`` travels as one, with
its own ``event`` name); a ``spec.reloaded`` ``file``/``spec``, ``provider``, ``version``,
``operations``, ``reload_ms``; a ``store.error`` ``path``, ``message``, ``pending`` (and,
for its finer names ``record.error`` and ``store.recovered``, ``interactions``); a
``store.sampled`` the bucket it samples (``provider``, ``consumer``, ``operation_id``,
``kept``, ``message``); a
``fixture.flagged`` ``id``, ``provider``, ``operation_id``, ``problems``; a ``mock.error``,
``config.error`` (``config`` for a bad ``entente.toml``) or ``project.error`` what a
``spec.error`` does; a ``spec.breaking_change`` (`BreakingChange`) the provider, the spec,
its changes (rule, level, location, the consumers each breaks) and counts: it replaces the
last one of the same spec, and one without changes clears it. The kind-specific parts read
the typed payloads (`entente_daemon.client.events`); every alert, and a kind this version
does not know (a newer daemon's, shown as a notice), reads from the common keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.notifications import SeverityLevel

from entente_daemon.client.events import (
    BreakingChange,
    BreakingChangeItem,
    FixtureFlagged,
    SpecError,
    SpecReloaded,
    StoreError,
    is_known,
    parse_payload,
)
from entente_daemon.model import Event
from entente_tui.widgets.clock import stamp

SPEC_ERROR = "spec.error"
MOCK_ERROR = "mock.error"
CONFIG_ERROR = "config.error"
PROJECT_ERROR = "project.error"
SPEC_RELOADED = "spec.reloaded"
STORE_ERROR = "store.error"
STORE_SAMPLED = "store.sampled"
SYNC_ERROR = "sync.error"
FIXTURE_FLAGGED = "fixture.flagged"
BREAKING_CHANGE = "spec.breaking_change"

#: The kinds the Alerts screen lists, and how each one weighs (for colour and toasts).
ALERT_SEVERITY: dict[str, SeverityLevel] = {
    SPEC_ERROR: "error",
    MOCK_ERROR: "error",
    CONFIG_ERROR: "error",
    PROJECT_ERROR: "error",
    STORE_ERROR: "error",
    SYNC_ERROR: "error",
    BREAKING_CHANGE: "warning",
    FIXTURE_FLAGGED: "warning",
    STORE_SAMPLED: "information",
    SPEC_RELOADED: "information",
}

_MESSAGE_KEYS = ("message", "error", "detail", "summary", "description")


def kind_of(event: Event) -> str:
    """The event's kind as a plain string (an `EventKind` or a newer daemon's name)."""
    return str(getattr(event.kind, "value", event.kind))


def is_alert(event: Event) -> bool:
    """Whether the Alerts screen lists it: the kinds above, and (as a notice) any kind this
    version does not know, so that what a newer daemon says is not lost."""
    return kind_of(event) in ALERT_SEVERITY or not is_known(event)


#: Finer names that weigh otherwise than their kind: the end of a store failure is news.
FINER_SEVERITY: dict[str, SeverityLevel] = {"store.recovered": "information"}


def breaking_of(event: Event) -> BreakingChange | None:
    """The event's breaking changes, when it is a ``spec.breaking_change``."""
    if kind_of(event) != BREAKING_CHANGE:
        return None
    typed = parse_payload(event)
    return typed if isinstance(typed, BreakingChange) else None


def severity_of(event: Event) -> SeverityLevel:
    breaking = breaking_of(event)
    if breaking is not None:
        if breaking.cleared:
            return "information"
        return "error" if breaking.consumers else "warning"
    finer = FINER_SEVERITY.get(label_of(event))
    return finer if finer is not None else ALERT_SEVERITY.get(kind_of(event), "information")


def label_of(event: Event) -> str:
    """The kind as shown: the daemon's finer name when it gives one (``config.error``)."""
    sub = event.payload.get("event")
    return sub if isinstance(sub, str) and sub else kind_of(event)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def alert_where(event: Event) -> str:
    """``file:line:column`` (the file shortened to its last two parts), or whose it is."""
    payload = event.payload
    typed = parse_payload(event)
    if isinstance(typed, FixtureFlagged):
        return " ".join(p for p in (typed.provider, typed.operation_id) if p)
    if isinstance(typed, BreakingChange):
        return f"{typed.provider} {_short_path(typed.spec)}".strip()
    place = (
        payload.get("file")
        or payload.get("spec")
        or payload.get("config")
        or payload.get("path")
        or payload.get("url")
        or payload.get("provider")
        or payload.get("project")
        or ""
    )
    where = _short_path(_text(place))
    line, column = payload.get("line"), payload.get("column")
    if line:
        where = f"{where}:{line}"
        if column:
            where = f"{where}:{column}"
    return where


def _short_path(text: str) -> str:
    if "/" not in text and "\\" not in text:
        return text
    parts = Path(text).parts
    return str(Path(*parts[-2:])) if len(parts) > 2 else text


def alert_what(event: Event) -> str:
    """What happened, in one line."""
    typed = parse_payload(event)
    if isinstance(typed, SpecReloaded):
        text = " ".join(b for b in (typed.provider, typed.version) if b) + " reloaded"
        if typed.operations is not None:
            text += f": {typed.operations} operations"
        if typed.reload_ms is not None:
            text += f" in {typed.reload_ms:.0f} ms"
        return text
    if isinstance(typed, BreakingChange):
        return breaking_what(typed)
    if isinstance(typed, FixtureFlagged):
        problems = typed.problems
        short_id = typed.id[:8]
        label = f"fixture {short_id}" if short_id else "fixture"
        first = problems[0] if problems else "no longer fits the spec"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{label}: {first}{more}"
    payload = event.payload
    what = next((_text(payload[k]) for k in _MESSAGE_KEYS if payload.get(k)), "")
    if isinstance(typed, StoreError) and typed.pending:
        what = f"{what} ({typed.pending} record(s) waiting)"
    if isinstance(typed, SpecError) and typed.serving is True:
        what = f"{what} (the mock keeps its last good spec)"
    return " ".join(what.split())


def breaking_what(alert: BreakingChange) -> str:
    """One line for a save's breaking changes: how many, whom they break."""
    if alert.cleared:
        return f"{alert.provider}: no breaking changes any more ({alert.message or 'cleared'})"
    return alert.message or f"{len(alert.changes)} change(s)"


def change_where(item: BreakingChangeItem) -> str:
    """Where one change is: the operation, the status or parameter, the body place."""
    parts = [item.operation or "the whole API"]
    if item.parameter:
        parts.append(item.parameter)
    if item.status:
        parts.append(item.status)
    if item.pointer:
        parts.append(item.pointer)
    return " ".join(parts)


def change_line(item: BreakingChangeItem) -> str:
    """One change as a row: the rule, and whom it breaks (or that nobody uses it)."""
    consumers = sorted({f"{i.consumer} {i.consumer_version}".strip() for i in item.impacts})
    whom = f"breaks {', '.join(consumers)}" if consumers else "no recorded consumer uses it"
    return f"{item.rule}: {whom}"


def alert_summary(event: Event) -> str:
    """One line for a toast: where, then what."""
    where, what = alert_where(event), alert_what(event)
    return f"{where} {what}".strip() or kind_of(event)


def alert_detail(event: Event) -> str:
    """The whole alert as plain text: the message unabridged, then every payload field."""
    payload = event.payload
    lines = [f"{label_of(event)} at {stamp(event.time)} (#{event.seq})"]
    where = _text(
        payload.get("file") or payload.get("spec") or payload.get("config") or payload.get("path")
    )
    if where:
        location = where
        if payload.get("line"):
            location += f":{payload['line']}"
            if payload.get("column"):
                location += f":{payload['column']}"
        lines.append(f"where: {location}")
    if payload.get("pointer"):
        lines.append(f"in: {payload['pointer']}")
    message = next((_text(payload[k]) for k in _MESSAGE_KEYS if payload.get(k)), "")
    if message:
        lines += ["", message]
    problems = payload.get("problems")
    if isinstance(problems, list) and problems:
        lines += ["", "problems:", *(f"  - {p}" for p in problems)]
    if kind_of(event) == SPEC_RELOADED:
        lines += ["", alert_what(event)]
    breaking = breaking_of(event)
    if breaking is not None:
        lines += ["", *breaking_text(breaking)]
    lines += ["", "payload:", json.dumps(payload, indent=2, sort_keys=True, default=str)]
    return "\n".join(lines)


def breaking_text(alert: BreakingChange) -> list[str]:
    """A save's changes as lines: consumers first, then the changes nobody uses."""
    baseline = alert.baseline
    if baseline is not None:
        against = baseline.source + (f" {baseline.version}" if baseline.version else "")
        if baseline.ref:
            against += f" ({baseline.ref})"
        lines = [f"against the baseline: {against}"]
    else:
        lines = []
    for item in alert.changes:
        place = f"{item.file}:{item.line}" if item.file and item.line else item.file or ""
        lines.append(f"- [{item.level}] {item.rule} at {change_where(item)} {place}".rstrip())
        lines.append(f"    {item.message}")
        lines += [f"    {impact.message}" for impact in item.impacts]
    return lines


def spec_context(text: str, line: int, *, around: int = 3) -> tuple[str, int]:
    """The lines of ``text`` around ``line`` (1-based), and the number of the first one."""
    lines = text.splitlines()
    first = max(line - around, 1)
    last = min(line + around, len(lines))
    return "\n".join(lines[first - 1 : last]), first
