"""What the mock works out once per operation: which status it answers with.

Without ``Prefer: code=``, the mock answers with the lowest ``2xx`` the operation documents;
else, with ``200`` for a ``2XX`` range or a ``default`` response; else with the lowest
status documented at all (a ``4XX`` range counts as ``400``). ``Prefer: code=NNN`` must be
a documented status: its own entry, its range (``4XX``) or ``default`` (which documents every
status not listed).
"""

from __future__ import annotations

from dataclasses import dataclass

from entente_daemon.openapi import Operation, Response


@dataclass(frozen=True)
class StatusChoice:
    status: int
    response: Response
    reason: str


def key_status(key: str, *, has_success: bool) -> int:
    """The status sent for a ``responses`` key: ``"404"`` → 404, ``"4XX"`` → 400, and
    ``"default"`` → 200, or 500 when the operation documents a success too (the ``default``
    response then describes the errors)."""
    if key.isdigit():
        return int(key)
    if len(key) == 3 and key[0].isdigit() and key[1:].upper() == "XX":
        return int(key[0]) * 100
    return 500 if has_success else 200


def _order(key: str) -> tuple[int, int, str]:
    """Explicit codes first (ascending), then ranges, then ``default``."""
    if key.isdigit():
        return (0, int(key), key)
    if key[:1].isdigit():
        return (1, int(key[0]), key)
    return (2, 0, key)


class OperationPlan:
    """The status choice of one operation, worked out when the plan is made."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.keys: tuple[str, ...] = tuple(sorted(operation.responses, key=_order))
        self.has_success = any(k.startswith("2") for k in self.keys)
        self.default = self._default()

    @property
    def documented(self) -> str:
        return ", ".join(self.keys) or "none"

    def _default(self) -> StatusChoice | None:
        responses = self.operation.responses
        name = self.operation.operation_id
        success = [k for k in self.keys if k.isdigit() and k.startswith("2")]
        if success:
            key = success[0]
            reason = f"status {key}: the lowest 2xx {name} documents"
            return StatusChoice(int(key), responses[key], reason)
        for key, why in (("2XX", "its 2XX range"), ("default", "its default response")):
            response = responses.get(key)
            if response is not None:
                return StatusChoice(200, response, f"status 200: {name} documents no 2xx, {why}")
        if self.keys:
            key = self.keys[0]
            status = key_status(key, has_success=False)
            reason = f"status {status}: {name} documents no success; its lowest response"
            return StatusChoice(status, responses[key], reason)
        return None

    def preferred(self, code: int) -> StatusChoice | None:
        """The response for ``Prefer: code=``, or None if it is not documented."""
        response = self.operation.response_for(code)
        if response is None:
            return None
        return StatusChoice(code, response, f"status {code} from Prefer: code={code}")

    def status_of(self, response: Response) -> int:
        return key_status(response.status, has_success=self.has_success)
