"""A request body that does not validate, said in one line: where, what, how many more."""

from __future__ import annotations

from pydantic import ValidationError


def describe_validation(where: str, error: ValidationError) -> str:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{'.' + loc if loc else ''}: {first['msg']}{more}"
