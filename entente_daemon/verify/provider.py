"""The Python API of provider verification::

    provider = create_provider("path/to/provider/project")   # or name=..., spec=...
    report = provider.verify("http://127.0.0.1:8000", state_handlers={"getCastle": seed})
    assert report.ok, report.summary()

It reads the contracts consumers recorded against this provider (each consumer version's
latest test run: `entente_daemon.records.contracts`), replays them (see
`runner`), stores one `Verification` per consumer version and draft provider fixtures for
what passed. When a daemon runs it owns the store: the interactions are read through it,
and the run is reported to it as it goes (see `reporting`: the TUI shows it live) and its
results handed to it at the end, which stores them. A daemon that goes away mid-run does
not stop the verification; its report then says the results were not stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entente_daemon.config import load_project_config
from entente_daemon.errors import EntenteError
from entente_daemon.model import (
    Fixture,
    Interaction,
    Verification,
    VerificationResult,
    utc_now,
)
from entente_daemon.openapi import Spec, load_spec
from entente_daemon.openapi.loader import load_spec_text
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.verify.results import (
    build_verifications,
    dedupe,
    draft_fixtures,
    passed_hashes,
)
from entente_daemon.verify.runner import OnMissing, Outcome, Progress, verify_all
from entente_daemon.verify.state import StateHandlers

if TYPE_CHECKING:
    from entente_daemon.records import VerificationRunReport


class VerifyError(EntenteError):
    """Verification could not start: no provider name, no spec, a bad option."""


#: Said once, before the failures, when interactions failed for want of a state handler.
STATE_HANDLERS_HINT = (
    "{count} interaction(s) failed because no state handler prepares the provider for "
    "them. A state handler is a function that puts the provider in the state a recorded "
    "interaction needs (its data) before the request is replayed; declare a dict of "
    "operationId (or provider-state name) → handler in entente.toml, [provider] "
    'state_handlers = "my_service.states:HANDLERS" (or pass --state-handlers), or replay '
    'without state with --on-missing continue (on_missing = "continue").'
)


@dataclass
class VerificationReport:
    """What one ``verify`` did. ``ok``: every interaction verified passed (none at all is ok
    only when ``only_new`` skipped them)."""

    provider: str
    provider_version: str
    environment: str
    outcomes: list[Outcome] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    fixtures: list[Fixture] = field(default_factory=list)
    skipped: int = 0
    #: recorded but not replayed: exploratory (no test made them, none promoted), and
    #: those of a consumer version's older test runs
    exploratory: int = 0
    older_runs: int = 0
    stored: bool = False
    note: str | None = None
    run_id: str | None = None  # the daemon's run, when one ran

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.result.ok)

    @property
    def failed(self) -> int:
        return self.total - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def missing_handlers(self) -> int:
        """How many interactions failed because no state handler was found for them."""
        return sum(1 for o in self.outcomes if o.missing_handler)

    @property
    def hint(self) -> str | None:
        """What to do about missing state handlers (None: none was missing)."""
        missing = self.missing_handlers
        return STATE_HANDLERS_HINT.format(count=missing) if missing else None

    def summary(self) -> str:
        lines = [
            f"{self.provider} {self.provider_version}: {self.passed}/{self.total} passed"
            + (f", {self.skipped} already passed (skipped)" if self.skipped else "")
        ]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        for outcome in self.outcomes:
            r = outcome.result
            if not r.ok:
                where = f" at {r.path}" if r.path else ""
                kind = r.error_kind.value if r.error_kind else "failed"
                lines.append(f"  {kind}{where}: {r.message}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "provider_version": self.provider_version,
            "environment": self.environment,
            "ok": self.ok,
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "exploratory": self.exploratory,
            "older_runs": self.older_runs,
            "stored": self.stored,
            "note": self.note,
            "hint": self.hint,
            "run_id": self.run_id,
            "fixtures_created": len(self.fixtures),
            "verifications": [v.to_json() for v in self.verifications],
            "failures": [
                {
                    "consumer": o.interaction.consumer,
                    "consumer_version": o.interaction.consumer_version,
                    "request": f"{o.interaction.request.method} {o.interaction.request.path}",
                    "mismatches": [
                        {
                            "kind": m.kind.value,
                            "path": m.path,
                            "expected": m.expected,
                            "actual": m.actual,
                            "message": m.message,
                        }
                        for m in o.mismatches
                    ],
                    **o.result.to_json(),
                }
                for o in self.outcomes
                if not o.result.ok
            ],
        }


@dataclass(frozen=True)
class Provider:
    """A provider to verify: its name, version and spec (a file; None: the newest version
    published to the local store), and its project's config file when it has one."""

    name: str
    version: str
    spec_path: Path | None = None
    project: Path | None = None

    def _ref_roots(self) -> tuple[Path, ...]:
        return () if self.project is None else _project_ref_roots(self.project)

    def load_spec(self) -> Spec:
        if self.spec_path is not None:
            return load_spec(self.spec_path, ref_roots=self._ref_roots())
        from entente_daemon.records import StoreRecords

        published = StoreRecords().latest_spec(self.name)
        if published is None:
            raise VerifyError(
                f"no spec for provider {self.name!r}: pass a spec file (--spec), or set "
                "[provider] spec in its entente.toml"
            )
        return load_spec_text(
            json.dumps(published.spec), f"{self.name}@{published.version}", validate=False
        )

    def verify(
        self,
        base_url: str,
        *,
        environment: str = "local",
        state_handlers: StateHandlers | None = None,
        cleanup: Callable[..., Any] | None = None,
        on_missing: OnMissing = "fail",
        only_new: bool = False,
        progress: Progress | None = None,
        on_start: Callable[[int], None] | None = None,
        run_id: str | None = None,
    ) -> VerificationReport:
        """Replay at ``base_url`` the contract recorded against this provider: each consumer
        version's latest test run, and what was promoted; never exploratory interactions
        (`entente_daemon.records.contracts`).

        ``state_handlers``: operationId or provider-state name → callable (see `state`).
        ``cleanup``: called after each interaction. ``on_missing``: what an interaction
        without a handler does ("fail" it, or "continue" without state). ``only_new``: skip
        what this provider version already passed. ``on_start`` gets the number to verify.
        ``run_id``: the run a daemon reserved for this verification (it started it).
        """
        if on_missing not in ("fail", "continue"):
            raise VerifyError(f"on_missing must be 'fail' or 'continue', not {on_missing!r}")
        spec = self.load_spec()
        from entente_daemon.records import open_records

        with open_records() as records:
            interactions = records.provider_interactions(self.name)
            previous = records.verifications(self.name)
            contract = contract_interactions(interactions)
            todo = dedupe(contract)
            report = VerificationReport(self.name, self.version, environment)
            report.exploratory = sum(1 for i in interactions if not i.contract)
            report.older_runs = len(interactions) - report.exploratory - len(contract)
            if only_new:
                done = passed_hashes(previous, self.version)
                report.skipped = sum(1 for i in todo if i.content_hash in done)
                todo = [i for i in todo if i.content_hash not in done]
            if on_start is not None:
                on_start(len(todo))
            run = records.verification_run()
            run.open(
                self.name,
                self.version,
                total=len(todo),
                environment=environment,
                project=None if self.project is None else str(self.project),
                base_url=base_url,
                run_id=run_id,
            )
            report.run_id = run.id
            started = utc_now()
            try:
                report.outcomes = verify_all(
                    base_url,
                    spec,
                    todo,
                    state_handlers=state_handlers,
                    cleanup=cleanup,
                    on_missing=on_missing,
                    progress=_reporting(run, progress),
                )
            except BaseException as exc:
                run.abandon(f"the verification stopped: {type(exc).__name__}: {exc}")
                raise
            report.verifications = build_verifications(
                self.name, self.version, environment, report.outcomes, started_at=started
            )
            _hand_results(report, run)
        return report


def _project_ref_roots(project: Path) -> tuple[Path, ...]:
    """Where the project lets its specs' ``$ref``s read (its folder, ``[spec]
    allow_refs_outside``); its folder alone when its configuration does not load."""
    try:
        return load_project_config(project).spec_ref_roots
    except EntenteError:
        return (project.parent,)


def create_provider(
    project: Path | str | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    spec: Path | str | None = None,
) -> Provider:
    """The provider of a project (its ``entente.toml``: ``[provider]`` name and spec, and the
    project version), or one named outright. Explicit arguments win over the project's."""
    spec_path = Path(spec).resolve() if spec is not None else None
    if project is not None:
        config = load_project_config(Path(project))
        if config.provided_spec is None and spec_path is None:
            raise VerifyError(f"{config.file}: no [provider] table naming this service's spec")
        return Provider(
            name or config.provided_name,
            version or config.version,
            spec_path or config.provided_spec,
            config.file,
        )
    if name is None:
        raise VerifyError("name the provider to verify (or give its project folder)")
    return Provider(name, version or "unknown", spec_path)


def _reporting(run: VerificationRunReport, progress: Progress | None) -> Progress:
    """The progress callback: the run's report first, then the caller's."""

    def step(interaction: Interaction, result: VerificationResult) -> None:
        run.step(interaction, result)
        if progress is not None:
            progress(interaction, result)

    return step


def _hand_results(report: VerificationReport, run: VerificationRunReport) -> None:
    """Have the run store the results with those candidate draft fixtures not stored yet
    (the daemon when it runs, else the local store); the report then lists the fixtures
    created, or says why nothing was stored."""
    candidates = draft_fixtures(report.provider, report.provider_version, report.outcomes, ())
    created = run.finish(report.verifications, candidates, report.skipped)
    report.stored = created is not None
    report.fixtures = created or []
    report.note = run.note
