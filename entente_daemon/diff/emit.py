"""Turning a fired rule into a `Change`: its catalogue entry, its place, file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entente_daemon.diff.catalogue import rule
from entente_daemon.diff.changes import Change, Location
from entente_daemon.openapi.spec import Spec


@dataclass(frozen=True)
class Place:
    """Where in an operation: filled in as the comparison goes down."""

    path: str | None = None
    method: str | None = None
    status: str | None = None
    media_type: str | None = None
    parameter: str | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.path is not None:
            parts.append(f"{(self.method or '').upper()} {self.path}".strip())
        if self.parameter is not None:
            where, _, name = self.parameter.partition(":")
            parts.append(f"{where} parameter {name!r}")
        if self.status is not None:
            parts.append(f"response {self.status}")
        elif self.media_type is not None:
            parts.append("request body")
        if self.media_type is not None:
            parts.append(f"({self.media_type})")
        return " ".join(parts)


@dataclass
class Emitter:
    """Collects changes between ``old`` and ``new``; locates each in the right spec."""

    old: Spec
    new: Spec
    changes: list[Change] = field(default_factory=list)
    _places: dict[tuple[str, bool], tuple[str | None, int | None]] = field(default_factory=dict)

    def _locate(self, spec_pointer: str, gone: bool) -> tuple[str | None, int | None]:
        """File and line of a place (cached: a component's change shows in many operations)."""
        key = (spec_pointer, gone)
        found = self._places.get(key)
        if found is None:
            try:
                path, line, _ = (self.old if gone else self.new).locate(spec_pointer)
                found = (str(path), line)
            except Exception:  # a place the locator cannot map: report it without a line
                found = (None, None)
            self._places[key] = found
        return found

    def emit(
        self,
        rule_id: str,
        place: Place,
        detail: str,
        *,
        spec_pointer: str = "",
        pointer: str = "",
        gone: bool = False,
        old: Any = None,
        new: Any = None,
    ) -> None:
        entry = rule(rule_id)
        file, line = self._locate(spec_pointer, gone)
        where = place.describe()
        if pointer:
            where = f"{where} at {pointer}" if where else pointer
        self.changes.append(
            Change(
                rule=rule_id,
                level=entry.level,
                side=entry.side,
                location=Location(
                    path=place.path,
                    method=place.method,
                    status=place.status,
                    media_type=place.media_type,
                    parameter=place.parameter,
                    pointer=pointer,
                    spec_pointer=spec_pointer,
                    file=file,
                    line=line,
                ),
                message=f"{where}: {detail}" if where else detail,
                old=old,
                new=new,
            )
        )
