"""Following internal refs (``#/components/...``) in the bundled document."""

from __future__ import annotations

from typing import Any

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.errors import SpecError
from entente_daemon.openapi.locate import Locator

_MAX_CHAIN = 64


class DocumentRefs:
    """Resolves the refs left in a bundled document; they are all internal by now."""

    def __init__(self, document: dict[str, Any], version: str, locator: Locator) -> None:
        self.document = document
        self.version = version
        self.locator = locator

    def resolve_ref(self, ref: str, *, at: str | None = None) -> Any:
        """The value ``ref`` (``"#/components/schemas/Castle"``) points to. ``at`` is the
        bundle pointer where the ref is written, for the error message."""
        return self._resolve(ref, at)[0]

    def _resolve(self, ref: str, at: str | None) -> tuple[Any, str]:
        if not ref.startswith("#"):
            raise self._error(f"$ref {ref!r} is not a reference within the document", at)
        pointer = jp.from_fragment(ref[1:])
        try:
            return jp.resolve(self.document, pointer), pointer
        except jp.PointerError as exc:
            where = jp.dotted(exc.at) or "the document"
            message = f"cannot resolve $ref {ref!r}: {where} has no {exc.token!r}"
            raise self._error(message, at) from None

    def deref_at(self, value: Any, pointer: str) -> tuple[Any, str]:
        """``value`` (found at ``pointer``) with any chain of refs followed: the target and
        its own pointer. For OpenAPI 3.1 a Reference Object's ``summary`` and
        ``description`` override the target's. Not for schemas: they keep their refs."""
        seen: list[str] = []
        overrides: dict[str, Any] = {}
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if self.version == "3.1":
                for key in ("summary", "description"):
                    if key in value and key not in overrides:
                        overrides[key] = value[key]
            if ref in seen or len(seen) >= _MAX_CHAIN:
                raise self._error(f"circular $ref: {' → '.join([*seen, ref])}", pointer)
            seen.append(ref)
            value, pointer = self._resolve(ref, jp.join(pointer, "$ref"))
        if overrides and isinstance(value, dict):
            value = {**value, **overrides}
        return value, pointer

    def deref(self, value: Any) -> Any:
        """``value`` with any chain of refs followed (one object deep, not recursively)."""
        return self.deref_at(value, "")[0]

    def _error(self, message: str, at: str | None) -> SpecError:
        if at is None:
            return SpecError(message)
        return self.locator.error(message, at)
