"""Recorded contract interactions indexed by operation, built once: consumer impact reads only
the operations a diff names, and coverage reads every operation of a spec. Pure.

Give it **contract** interactions (`entente_daemon.records.contracts.contract_interactions`:
the records layer sits above this one and applies the rule). Each becomes a `Use`: the
interaction and the body places its response held (`body_paths`), read on first use and
kept: building the index only sorts the interactions into buckets.

An interaction is found by the operation the mock matched it to: its method and path
template (``match.path_template``, its variables' names left out: ``/castles/{id}`` and
``/castles/{castleId}`` are one operation, renamed), else its ``operation_id``. One the
mock matched to no operation is kept apart (`unmatched`): it names nothing in either spec.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from entente_daemon.diff.body_paths import body_places
from entente_daemon.model import Interaction
from entente_daemon.openapi import Operation

#: (METHOD, path template without its variables' names: ``/castles/{}``), see `place_of`
OperationKey = tuple[str, str]

_VARIABLE = re.compile(r"\{[^{}]*\}")


def place_of(method: str, path: str) -> OperationKey:
    """The key of the operation at ``method`` ``path`` (a template)."""
    return (method.upper(), _VARIABLE.sub("{}", path))


class Use:
    """One recorded interaction, as impact and coverage read it."""

    def __init__(self, interaction: Interaction) -> None:
        self.interaction = interaction

    @cached_property
    def places(self) -> frozenset[str]:
        """The body places its response held (`body_paths`)."""
        return body_places(self.interaction.response.body)

    @property
    def consumer(self) -> str:
        return self.interaction.consumer

    @property
    def consumer_version(self) -> str:
        return self.interaction.consumer_version

    @property
    def test_id(self) -> str | None:
        return self.interaction.test_id

    @property
    def status(self) -> int:
        return self.interaction.response.status

    @property
    def has_body(self) -> bool:
        return self.interaction.response.body is not None

    def response_header(self, name: str) -> bool:
        wanted = name.lower()
        return any(key.lower() == wanted for key in self.interaction.response.headers)


def short_test(test_id: str | None) -> str:
    """A pytest node id's last part (``tests/test_castles.py::test_get_castle`` →
    ``test_get_castle``); ``promoted`` for an interaction no test made."""
    if not test_id:
        return "promoted"
    return test_id.rsplit("::", 1)[-1]


class ImpactIndex:
    """Uses by operation. Build it once per set of recordings (`build`); reading it is a dict
    look-up per operation."""

    def __init__(self, uses: Iterable[Use]) -> None:
        self._by_template: dict[OperationKey, list[Use]] = {}
        self._templates: dict[OperationKey, str] = {}
        self._by_id: dict[str, list[Use]] = {}
        self._unmatched: list[Use] = []
        self._count = 0
        for use in uses:
            self._count += 1
            match = use.interaction.match
            if match.path_template:
                key = place_of(use.interaction.request.method, match.path_template)
                self._by_template.setdefault(key, []).append(use)
                self._templates.setdefault(key, match.path_template)
            elif use.interaction.operation_id:
                self._by_id.setdefault(use.interaction.operation_id, []).append(use)
            else:
                self._unmatched.append(use)

    @classmethod
    def build(cls, interactions: Iterable[Interaction]) -> ImpactIndex:
        return cls(Use(interaction) for interaction in interactions)

    def __len__(self) -> int:
        return self._count

    @property
    def unmatched(self) -> tuple[Use, ...]:
        return tuple(self._unmatched)

    def keys(self) -> frozenset[OperationKey]:
        """The operations (`place_of`) recorded uses name by template."""
        return frozenset(self._by_template)

    def template(self, key: OperationKey) -> str:
        """The path template as recorded for ``key``."""
        return self._templates.get(key, key[1])

    def operation_ids(self) -> frozenset[str]:
        """The operation ids of uses recorded without a template."""
        return frozenset(self._by_id)

    def uses_at(self, method: str, path: str, operation_id: str | None = None) -> list[Use]:
        """The uses of the operation at ``method`` ``path`` (a template), and of
        ``operation_id`` among those recorded without a template."""
        found = list(self._by_template.get(place_of(method, path), ()))
        if operation_id is not None:
            found.extend(self._by_id.get(operation_id, ()))
        return found

    def uses_of(self, operation: Operation) -> list[Use]:
        return self.uses_at(operation.method, operation.path, operation.operation_id)
