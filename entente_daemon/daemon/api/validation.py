"""Reading a request body: a model, a text field, a flag; what is wrong said in one line
(where, what, how many more), as a 400."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from entente_daemon.daemon.api.framework import HttpError

M = TypeVar("M", bound=BaseModel)


def describe_validation(where: str, error: ValidationError) -> str:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{'.' + loc if loc else ''}: {first['msg']}{more}"


def body_model(model: type[M], data: Any, where: str = "the body") -> M:
    """``data`` as a ``model``; a 400 naming the first field that does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HttpError(400, describe_validation(where, exc)) from None


def body_text(body: dict[str, Any], name: str) -> str:
    """A required, non-empty string field."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise HttpError(400, f'"{name}" must be a non-empty string')
    return value


def body_flag(body: dict[str, Any], name: str, default: bool = False) -> bool:
    """An optional true/false field."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise HttpError(400, f'"{name}" must be true or false')
    return value
