"""State handlers: put the provider in the state a recorded interaction needs, before replay.

A handler is looked up by the interaction's ``provider_state`` name (when it carries one) and
else by its ``operationId``. It is called with the *state parameters* it asks for by name:
the recorded path parameters, the top-level fields of a JSON object body, an imported pact's
provider-state params, and ``interaction``
/ ``request`` / ``path_params`` / ``query`` / ``body`` themselves (a ``**kwargs`` handler gets
every named value). It may return a dict of new values (``{"id": "..."}``): wherever the
recording used the old value of that name (a path segment, a query value, a JSON body field),
the replayed request uses the new one, so a provider that makes its own ids can still be
verified.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from entente_daemon.model import HttpRequest, Interaction

StateHandler = Callable[..., Any]
StateHandlers = Mapping[str, StateHandler]


class StateHandlerFailed(Exception):
    """A handler raised or returned something unusable; the message says which and why."""


@dataclass(frozen=True, slots=True)
class HandlerChoice:
    """The handler for an interaction: the key it was found under (None: no handler) and the
    keys that were tried, in order, for a clear "missing" message."""

    key: str | None
    handler: StateHandler | None
    tried: tuple[str, ...] = field(default_factory=tuple)


def choose_handler(handlers: StateHandlers | None, interaction: Interaction) -> HandlerChoice:
    """The provider-state handler wins over the operationId one."""
    tried = tuple(k for k in (interaction.provider_state, interaction.operation_id) if k)
    for key in tried:
        if handlers is not None and key in handlers:
            return HandlerChoice(key, handlers[key], tried)
    return HandlerChoice(None, None, tried)


def state_parameters(interaction: Interaction) -> dict[str, Any]:
    """Everything a handler may ask for by name (see the module docstring)."""
    request = interaction.request
    values: dict[str, Any] = {}
    if isinstance(request.body, dict):
        values.update({str(k): v for k, v in request.body.items()})
    values.update(interaction.match.path_params)
    values.update({str(k): v for k, v in interaction.state_params.items()})
    values.update(
        interaction=interaction,
        request=request,
        path_params=dict(interaction.match.path_params),
        query={k: v[0] for k, v in request.query.items() if v},
        body=request.body,
    )
    return values


def call_with(function: Callable[..., Any], values: Mapping[str, Any], what: str) -> Any:
    """Call ``function`` with the entries of ``values`` its signature names (all of them for
    ``**kwargs``). A required parameter that has no value is a `StateHandlerFailed`."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins without a signature: call bare
        return function()
    kwargs: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update({k: v for k, v in values.items() if k not in kwargs})
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        elif name in values:
            kwargs[name] = values[name]
        elif parameter.default is inspect.Parameter.empty:
            known = ", ".join(sorted(values)) or "none"
            raise StateHandlerFailed(
                f"{what} needs a parameter {name!r} that this interaction does not give "
                f"(it gives: {known})"
            )
    return function(**kwargs)


def run_handler(key: str, handler: StateHandler, interaction: Interaction) -> dict[str, Any]:
    """Run a handler; the values it returned (empty for None). `StateHandlerFailed` carrying
    the handler's own error text when it raises."""
    what = f"state handler {key!r}"
    try:
        returned = call_with(handler, state_parameters(interaction), what)
    except StateHandlerFailed:
        raise
    except Exception as exc:
        raise StateHandlerFailed(f"{what} raised {type(exc).__name__}: {exc}") from exc
    if returned is None:
        return {}
    if not isinstance(returned, Mapping):
        raise StateHandlerFailed(
            f"{what} returned {type(returned).__name__}; return a dict of new values or None"
        )
    return {str(k): v for k, v in returned.items()}


def run_cleanup(cleanup: Callable[..., Any], interaction: Interaction) -> None:
    """Run the cleanup hook (it may ask for the same parameters as a handler)."""
    try:
        call_with(cleanup, state_parameters(interaction), "cleanup")
    except StateHandlerFailed:
        raise
    except Exception as exc:
        raise StateHandlerFailed(f"cleanup raised {type(exc).__name__}: {exc}") from exc


def old_values(interaction: Interaction) -> dict[str, Any]:
    """The values the recording used, by name: path params, then query, then body fields."""
    request = interaction.request
    found: dict[str, Any] = {}
    if isinstance(request.body, dict):
        found.update({str(k): v for k, v in request.body.items() if _scalar(v)})
    found.update({k: v[0] for k, v in request.query.items() if len(v) == 1})
    found.update(interaction.match.path_params)
    return found


def substitute(interaction: Interaction, new: Mapping[str, Any]) -> HttpRequest:
    """The recorded request with each old value that ``new`` renames replaced by its new one
    (path segments, query values, JSON body leaves equal to the old value)."""
    request = interaction.request
    old = old_values(interaction)
    swaps = {
        _key(old[name]): value
        for name, value in new.items()
        if name in old and _scalar(value) and old[name] != value
    }
    if not swaps:
        return request
    segments = [
        quote(str(swaps[_key(unquote(s))]), safe="") if _key(unquote(s)) in swaps else s
        for s in request.path.split("/")
    ]
    query = {
        k: [str(swaps[_key(v)]) if _key(v) in swaps else v for v in values]
        for k, values in request.query.items()
    }
    return request.model_copy(
        update={
            "path": "/".join(segments),
            "query": query,
            "body": _swap_json(request.body, swaps),
        }
    )


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _key(value: Any) -> str:
    """Old values compare by their text: a path segment "42" is the body's 42."""
    return str(value)


def _swap_json(value: Any, swaps: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _swap_json(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_json(v, swaps) for v in value]
    if _scalar(value) and _key(value) in swaps:
        return swaps[_key(value)]
    return value
