"""The daemon's side of flagging fixtures (`entente_daemon.fixtures.flags`): rechecking
a provider's approved fixtures on the recorder's writer thread whenever a hosted mock's spec
loads or reloads, and on ``POST /v1/fixtures/check``.

Rechecks after a reload run as background tasks, so that a reload (and its ``spec.reloaded``
event) never waits on them; they reach the writer thread in the order they were asked for,
so the last spec loaded has the last word. A failing recheck is logged, never raised: the
mock keeps serving either way (it skips, at serve time, a fixture that does not validate).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.fixtures.flags import FlagReport, flag_fixtures, spec_label
from entente_daemon.openapi import Spec

log = logging.getLogger("entente.daemon.fixtures")


async def recheck_fixtures(
    recorder: StoreWriter, spec: Spec, provider: str, *, version: str, checked_against: str
) -> FlagReport:
    """Check ``provider``'s approved fixtures against ``spec`` on the writer thread, storing
    and announcing what changed."""

    return await recorder.write(
        lambda store, emit: flag_fixtures(
            store, emit, spec, provider, version=version, checked_against=checked_against
        )
    )


class FixtureFlagger:
    """Rechecks in the background for the mock service; `stop` waits for those under way."""

    def __init__(self, recorder: StoreWriter) -> None:
        self._recorder = recorder
        self._tasks: set[asyncio.Task[None]] = set()

    def recheck_soon(
        self, spec: Spec, provider: str, *, version: str, spec_path: Path | None
    ) -> None:
        """Recheck ``provider``'s approved fixtures against ``spec`` (read from ``spec_path``;
        None: the version published to the local store) in the background."""
        where = str(spec_path) if spec_path is not None else f"{provider}@{version} (published)"
        checked_against = spec_label(where, version)
        task = asyncio.get_running_loop().create_task(
            self._recheck(spec, provider, version, checked_against),
            name=f"fixture-check-{provider}",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _recheck(self, spec: Spec, provider: str, version: str, against: str) -> None:
        try:
            report = await recheck_fixtures(
                self._recorder, spec, provider, version=version, checked_against=against
            )
        except Exception as exc:
            log.error("could not recheck the fixtures of %s against %s: %s", provider, against, exc)
            return
        if report.announced or report.cleared:
            log.warning(
                "fixtures of %s against %s: %d flagged, %d cleared (of %d approved checked)",
                provider,
                against,
                len(report.announced),
                len(report.cleared),
                report.checked,
            )

    async def stop(self) -> None:
        """Let the rechecks under way finish (they are short; the store is still open)."""
        tasks = list(self._tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
