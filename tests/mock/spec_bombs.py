"""Specs that try to make the loader or the mock do unbounded work (no pytest here)."""

from __future__ import annotations

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def alias_bomb(levels: int = 9, fan_out: int = 10, leaf: str = "lol") -> str:
    """A response example that is a "billion laughs": ``levels`` anchors, each a list of
    ``fan_out`` aliases of the one before (``fan_out ** levels`` leaves once expanded)."""
    lines = [
        "openapi: 3.0.3",
        "info: {title: Laughs, version: '1.0.0'}",
        "paths:",
        "  /laughs:",
        "    get:",
        "      operationId: getLaughs",
        "      responses:",
        '        "200":',
        "          description: Laughs.",
        "          content:",
        "            application/json:",
        "              schema: {type: object}",
        "              example:",
    ]
    first = ", ".join([f'"{leaf}"'] * fan_out)
    lines.append(f"                a: &a [{first}]")
    for index in range(1, levels):
        name, previous = LETTERS[index], LETTERS[index - 1]
        items = ", ".join([f"*{previous}"] * fan_out)
        lines.append(f"                {name}: &{name} [{items}]")
    return "\n".join(lines) + "\n"


#: The line (1-based) of the anchor ``LETTERS[index]`` in `alias_bomb`.
def anchor_line(index: int) -> int:
    return 14 + index
