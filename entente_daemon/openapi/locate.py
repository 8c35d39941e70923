"""From a place in the bundled document back to the file, line and column it was read from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.errors import SpecError, SpecWarning
from entente_daemon.openapi.source import SourceFile


class Locator:
    """Maps bundle pointers to source places, using the bundler's provenance records
    (bundle pointer prefix → file and pointer there) and each file's line map."""

    def __init__(
        self, document: Any, provenance: dict[str, tuple[SourceFile, str]], root: SourceFile
    ) -> None:
        self._document = document
        self._provenance = provenance
        self._root = root

    def physical(self, parts: Sequence[str | int], *, into_ref: bool = False) -> str:
        """The bundle pointer of a *logical* path, one that may pass through internal refs
        (validators report ``.../schema/properties/x`` where ``schema`` is a ``$ref``).
        With ``into_ref``, a path that ends on a ref leads to the ref's target: what a
        complaint about the referenced *content* is about."""
        node = self._document
        here = ""
        tokens: list[str | None] = [str(p) for p in parts]
        if into_ref:
            tokens.append(None)  # one more step: only follows refs
        for token in tokens:
            for _ in range(64):  # follow a chain of refs, but not forever
                if not (isinstance(node, dict) and (token is None or token not in node)):
                    break
                ref = node.get("$ref")
                if not (isinstance(ref, str) and ref.startswith("#")):
                    break
                target = jp.from_fragment(ref[1:])
                try:
                    node = jp.resolve(self._document, target)
                except jp.PointerError:
                    return here
                here = target
            if token is None:
                break
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return jp.join(here, token)
            here = jp.join(here, token)
        return here

    def source_of(self, bundle_pointer: str) -> tuple[SourceFile, str]:
        """The file and the pointer within it that ``bundle_pointer`` was copied from."""
        prefix = bundle_pointer
        rest: list[str] = []
        while prefix not in self._provenance:
            head, _, last = prefix.rpartition("/")
            rest.append(jp.unescape(last))
            prefix = head
        source, pointer = self._provenance[prefix]
        return source, jp.join(pointer, *reversed(rest))

    def locate(self, bundle_pointer: str) -> tuple[Path, int | None, int | None, str]:
        source, pointer = self.source_of(bundle_pointer)
        line, column = source.position(pointer)
        return source.path, line, column, pointer

    def warning(self, message: str, bundle_pointer: str, source: str) -> SpecWarning:
        file, line, column, pointer = self.locate(bundle_pointer)
        return SpecWarning(
            message, file=file, line=line, column=column, pointer=pointer, source=source
        )

    def error(self, message: str, bundle_pointer: str) -> SpecError:
        file, line, column, pointer = self.locate(bundle_pointer)
        return SpecError(message, file=file, line=line, column=column, pointer=pointer)
