"""A `DiffReport` as text (a terminal), JSON (tools) or Markdown (a pull-request comment)."""

from __future__ import annotations

import json
from typing import Any

from entente_daemon.diff.catalogue import RULES, Rule
from entente_daemon.diff.changes import Change, DiffReport, Level

_LEVELS = (Level.BREAKING, Level.WARNING, Level.INFO)
_TITLES = {Level.BREAKING: "Breaking", Level.WARNING: "Warnings", Level.INFO: "Info"}


def counts(report: DiffReport) -> dict[Level, int]:
    found = dict.fromkeys(_LEVELS, 0)
    for change in report.changes:
        found[change.level] += 1
    return found


def summary(report: DiffReport) -> str:
    """``2 breaking, 1 warning, 3 info`` or ``no changes``."""
    if not report.changes:
        return "no changes"
    n = counts(report)
    warnings = "warning" if n[Level.WARNING] == 1 else "warnings"
    return f"{n[Level.BREAKING]} breaking, {n[Level.WARNING]} {warnings}, {n[Level.INFO]} info"


def _place(change: Change) -> str:
    where = change.location
    if where.file is None:
        return ""
    return f"{where.file}:{where.line}" if where.line is not None else where.file


def to_text(report: DiffReport, *, min_level: Level = Level.INFO) -> str:
    lines: list[str] = []
    for change in report.changes:
        if change.level.rank < min_level.rank:
            continue
        place = _place(change)
        lines.append(f"{change.level.value:<8} {change.rule}")
        lines.append(f"         {change.message}")
        if place:
            lines.append(f"         {place}")
    lines.append(summary(report))
    return "\n".join(lines)


def change_to_json(change: Change) -> dict[str, Any]:
    where = change.location
    return {
        "rule": change.rule,
        "level": change.level.value,
        "side": change.side.value,
        "message": change.message,
        "location": {
            "path": where.path,
            "method": where.method,
            "status": where.status,
            "media_type": where.media_type,
            "parameter": where.parameter,
            "pointer": where.pointer,
            "spec_pointer": where.spec_pointer,
            "file": where.file,
            "line": where.line,
        },
        "old": change.old,
        "new": change.new,
    }


def to_json(report: DiffReport) -> str:
    n = counts(report)
    document = {
        "summary": {level.value: n[level] for level in _LEVELS},
        "changes": [change_to_json(c) for c in report.changes],
    }
    return json.dumps(document, indent=2, default=str)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: DiffReport, *, title: str = "API changes") -> str:
    """A summary line, then a table per level (breaking first): made for a PR comment."""
    n = counts(report)
    icon = "🔴" if n[Level.BREAKING] else "🟡" if n[Level.WARNING] else "🟢"
    out = [f"### {title}", "", f"{icon} **{summary(report)}**"]
    for level in _LEVELS:
        changes = [c for c in report.changes if c.level is level]
        if not changes:
            continue
        out += ["", f"#### {_TITLES[level]} ({len(changes)})", ""]
        out += ["| Rule | Operation | Where | Change |", "|---|---|---|---|"]
        for change in changes:
            where = change.location
            place = " ".join(
                part
                for part in (
                    where.parameter,
                    where.status,
                    where.media_type,
                    where.pointer or None,
                )
                if part
            )
            source = _place(change)
            if source:
                place = f"{place} ({source})" if place else source
            out.append(
                f"| `{change.rule}` | {_cell(where.operation_label())} | {_cell(place)} "
                f"| {_cell(_detail(change))} |"
            )
    return "\n".join(out) + "\n"


def _detail(change: Change) -> str:
    """The message without the place it starts with (the table has a column for that)."""
    _, sep, rest = change.message.partition(": ")
    return rest if sep else change.message


def catalogue_text(rules: tuple[Rule, ...] = RULES) -> str:
    width = max(len(r.id) for r in rules)
    return "\n".join(
        f"{r.id:<{width}}  {r.level.value:<8} {r.side.value:<8} {r.description}" for r in rules
    )


def catalogue_markdown(rules: tuple[Rule, ...] = RULES) -> str:
    lines = ["| Rule | Level | Side | What |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.level.value} | {r.side.value} | {r.description} |" for r in rules]
    return "\n".join(lines) + "\n"
