"""What runs where, in the daemon: deployments, releases and environments written through
the store's one writer, and can-i-deploy and the readiness matrix answered from facts it
keeps between questions.

The facts are gathered again (one pass over the stored interactions) only after the
contracts changed (an interaction recorded, deleted or promoted). Deployments, releases and
finished verifications are applied to the kept facts as they come, so a question in a
provider's pipeline (verify, then ask) is answered from them at once. When a verification
finishes, the pairs it touched may have changed: the service says so with a
``readiness.changed`` event naming the environments where either side runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
from entente_daemon.client.events import (
    Payload,
    ReadinessChanged,
    VerificationFinished,
    event_of,
    parse_payload,
)
from entente_daemon.daemon.services.bus import EventBus, Signal, Subscription
from entente_daemon.daemon.services.errors import Conflict, Invalid, NotFound, Unavailable
from entente_daemon.daemon.services.store_writer import Emit, StoreWriter
from entente_daemon.deploy.facts import Facts
from entente_daemon.errors import StoreError
from entente_daemon.model import (
    Deployment,
    Environment,
    EventKind,
    Release,
    ServiceVersion,
    SpecVersion,
)
from entente_daemon.records import deploy_store
from entente_daemon.records.deploy_answers import decide, matrix
from entente_daemon.records.deploy_store import SpecConflict, SpecUpload, Written
from entente_daemon.store import Store
from entente_daemon.store.deploy_repositories import NotThere

log = logging.getLogger("entente.daemon.deployments")
T = TypeVar("T")

#: Kinds after which the facts are gathered again (contracts change). Deployments and
#: releases (written here) and finished verifications are applied to the kept facts as they
#: come, so a gate in a provider's pipeline never waits for a gathering.
CHANGES_CONTRACTS = frozenset(
    {
        EventKind.INTERACTION_RECORDED,
        EventKind.INTERACTIONS_DELETED,
        EventKind.INTERACTIONS_PROMOTED,
    }
)


class DeployService:
    name = "deployments"

    def __init__(self, writer: StoreWriter, bus: EventBus) -> None:
        self._writer = writer
        self._bus = bus
        self._facts: Facts | None = None
        self._generation = 0  # grows with each change that the facts are made of
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._gathering = asyncio.Lock()

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(internal=True)
        self._task = asyncio.create_task(self._follow(self._subscription))

    async def stop(self) -> None:
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- questions ----------------------------------------------------------------------

    async def facts(self) -> Facts:
        async with self._gathering:
            if self._facts is None:
                generation = self._generation
                facts = await self._writer.read(deploy_store.gather_facts)
                if generation == self._generation:
                    self._facts = facts
                return facts
            return self._facts

    async def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        facts = await self.facts()
        try:
            return decide(facts, question)
        except ValueError as exc:
            raise Invalid(str(exc)) from None

    async def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return matrix(await self.facts(), environment, compatibility)

    async def environments(self) -> list[Environment]:
        return await self._writer.read(deploy_store.environments)

    async def service_versions(self, service: str | None) -> list[ServiceVersion]:
        return await self._writer.read(lambda s: s.service_versions.list(service=service))

    async def releases(self, service: str | None, environment: str | None) -> list[Release]:
        return await self._writer.read(
            lambda s: s.releases.list(service=service, environment=environment)
        )

    # -- writes -------------------------------------------------------------------------

    async def create_environment(self, name: str, production: bool) -> Environment:
        return await self._plain(lambda s: deploy_store.create_environment(s, name, production))

    async def register_version(self, version: ServiceVersion) -> ServiceVersion:
        return await self._plain(lambda s: deploy_store.register_version(s, version))

    async def upload_spec(self, spec: SpecVersion, force: bool) -> SpecUpload:
        try:
            return await self._plain(lambda s: deploy_store.upload_spec(s, spec, force=force))
        except SpecConflict as exc:
            raise Conflict(str(exc)) from None

    async def record_deployment(self, deployment: Deployment) -> Deployment:
        return await self._told(lambda s: deploy_store.record_deployment(s, deployment))

    async def undeploy(self, service: str, environment: str, by: str | None) -> Deployment:
        return await self._told(lambda s: deploy_store.undeploy(s, service, environment, by))

    async def record_release(self, release: Release) -> Release:
        return await self._told(lambda s: deploy_store.record_release(s, release))

    async def end_support(self, service: str, version: str, environment: str) -> Release:
        return await self._told(
            lambda s: deploy_store.end_support(s, service, version, environment)
        )

    async def _plain(self, job: Callable[[Store], T]) -> T:
        def write(store: Store, _emit: Emit) -> T:
            result = job(store)
            store.flush()  # durable before it is acknowledged
            return result

        result = await self._stored(write)
        await self._refresh_live()
        return result

    async def _told(self, job: Callable[[Store], Written[T]]) -> T:
        def write(store: Store, emit: Emit) -> T:
            written = job(store)
            emit([event_of(payload) for payload in written.events])
            store.flush()  # durable before it is acknowledged
            return written.value

        result = await self._stored(write)
        await self._refresh_live()
        return result

    async def _stored(self, write: Callable[[Store, Emit], T]) -> T:
        """Run a write; what was not there is NotFound, a store that cannot take it
        Unavailable (nothing is acknowledged that is not durable)."""
        try:
            return await self._writer.write(write)
        except NotThere as exc:
            raise NotFound(str(exc)) from None
        except SpecConflict:
            raise
        except StoreError as exc:
            raise Unavailable(f"the store cannot take this now: {exc}") from None

    def records_pulled(self) -> None:
        """Deployments, releases or verifications came from the broker (the sync): gather
        the facts again on the next question."""
        self._changed()

    def _changed(self) -> None:
        self._generation += 1
        self._facts = None

    async def _refresh_live(self) -> None:
        """Read what runs where again (small tables) into the kept facts."""
        if self._facts is None:
            return
        self._generation += 1  # a gathering under way may predate this: it is not kept
        state = await self._writer.read(deploy_store.live_state)
        if self._facts is not None:
            state.apply(self._facts)

    async def _add_verifications(self, ids: list[str]) -> None:
        """Apply finished verifications to the kept facts."""
        if self._facts is None or not ids:
            return
        self._generation += 1
        found = await self._writer.read(
            lambda s: [v for v in (s.verifications.get(i) for i in ids) if v is not None]
        )
        if self._facts is not None:
            for verification in sorted(found, key=lambda v: v.finished_at or v.started_at):
                self._facts.add_verification(deploy_store.verification_fact(verification))

    # -- following the feed -------------------------------------------------------------

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            item = await subscription.get()
            if item is Signal.CLOSED:
                return
            if item is Signal.OVERFLOW:
                self._changed()  # what was missed is unknown: gather again
                subscription = self._bus.subscribe(internal=True)
                self._subscription = subscription
                continue
            if isinstance(item, Signal):
                continue
            if item.kind in CHANGES_CONTRACTS:
                self._changed()
            if item.kind == EventKind.VERIFICATION_FINISHED:
                payload = parse_payload(item)
                if isinstance(payload, VerificationFinished):
                    await self._add_verifications(list(payload.verifications))
                    await self._verification_finished(payload)

    async def _verification_finished(self, run: VerificationFinished) -> None:
        """Say which environments' readiness a finished verification may have changed."""
        try:
            facts = await self.facts()
            verified = [facts.verifications.get(i) for i in run.verifications]
            services = {run.provider} | {v.consumer for v in verified if v is not None}
            environments = sorted(
                name
                for name, live in facts.live.items()
                if any(service in live for service in services)
            )
            if not environments:
                return
            change: Payload = ReadinessChanged(
                environments=environments, services=sorted(services), cause="verification"
            )
            await self._writer.write(lambda _store, emit: emit([event_of(change)]))
        except Exception:  # a notice that could not be worked out is not worth a crash
            log.exception("could not tell which readiness a verification changed")
