"""What the pact tests share: the castle client's interactions recorded through a real mock,
the real castle-service (good or broken) served on 127.0.0.1, and pact-python's verifier
run on a pact file against it, with a state handler that resets the service's catalogue.

pact's verifier reports usage to the internet unless ``PACT_DO_NOT_TRACK`` is set: set here,
before pact is imported (the tests only talk to 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from entente_daemon.consumer import create_client
from entente_daemon.model import Interaction
from entente_daemon.openapi import Spec
from entente_daemon.verify.runner import Outcome, verify_all
from tests.verify.test_castle_service import ThreadServer

os.environ["PACT_DO_NOT_TRACK"] = "true"

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "examples" / "castle-service"
CLIENT = ROOT / "examples" / "castle-client"
SPEC = SERVICE / "openapi.yaml"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
MISSING = "00000000-0000-4000-8000-000000000000"
#: Every broken build of the castle-service example (`castle_service.app.VARIANTS`).
VARIANTS = (
    "field-removed",
    "optional-field-removed",
    "type-changed",
    "wrong-status",
    "wrong-content-type",
)
PREFIX = "tests/test_castles.py::"


def entente_program() -> click.Group:
    """The installed ``entente`` program's click group, loaded through its console-script
    entry point (nothing imports the CLI: the `nothing-imports-cli` contract)."""
    from importlib.metadata import entry_points

    [script] = entry_points(group="console_scripts", name="entente")
    group = getattr(inspect.getmodule(script.load()), "cli", None)
    assert isinstance(group, click.Group)
    return group


def entente(*args: str) -> Result:
    """``entente ARGS`` run in-process (click's runner), in the current ``ENTENTE_HOME``."""
    return CliRunner().invoke(entente_program(), list(args))


@contextlib.contextmanager
def examples_importable() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(SERVICE))
        patch.syspath_prepend(str(CLIENT))
        yield


def castle_app_module() -> Any:
    """``castle_service.app`` (the package's ``app`` attribute is the default app)."""
    return importlib.import_module("castle_service.app")


def record_castle_client(home: Path) -> None:
    """What the castle client's tests do (examples/castle-client/tests/test_castles.py),
    each under its own test id, through a recording mock of the castle service that answers
    from the spec's examples and the client's fixtures; stored in ``home``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENTENTE_HOME", str(home))
        patch.delenv("ENTENTE_RUN_ID", raising=False)
        with examples_importable():
            castle_client = importlib.import_module("castle_client")
            client = create_client(CLIENT, recording=True)
            steps: dict[str, Callable[[Any], object]] = {
                "test_list_castles": lambda c: c.list_castles(),
                "test_list_castles_in_a_region": lambda c: c.list_castles(region="Normandie"),
                "test_get_castle": lambda c: c.get_castle(VERSAILLES),
                "test_get_missing_castle": lambda c: _missing(c, castle_client),
                "test_create_castle": lambda c: c.create_castle(
                    "Château de Chambord",
                    "Centre-Val de Loire",
                    1519,
                    description="Renaissance château built for Francis I.",
                ),
                "test_delete_castle": lambda c: c.delete_castle(VERSAILLES),
            }
            fixtures = CLIENT / "tests" / "fixtures"
            with client.create_mock("castle-service", port=0, local_fixtures=fixtures) as mock:
                for test, step in steps.items():
                    with (
                        client.context.test(PREFIX + test),
                        castle_client.CastleClient(mock.url) as castles,
                    ):
                        step(castles)
            assert client.uploads[0].interactions == len(steps)


def _missing(castles: Any, module: Any) -> None:
    with pytest.raises(module.CastleNotFound):
        castles.get_castle(MISSING)


@contextlib.contextmanager
def castle_service(variant: str | None = None) -> Iterator[tuple[str, Any]]:
    """The real castle-service (a broken ``variant``) served by uvicorn on 127.0.0.1: its
    base URL and its app (a state handler resets ``app.store``)."""
    with examples_importable():
        module = castle_app_module()
        app = module.create_app(variant, module.CastleStore())
        with ThreadServer(app) as url:
            yield url, app


def seed_handlers(app: Any, names: list[str]) -> dict[str, Callable[[], None]]:
    """Entente's state handlers: each resets the catalogue to the seed castles."""

    def reset() -> None:
        app.store.reset()

    return {name: reset for name in names}


def entente_failures(
    url: str, spec: Spec, interactions: list[Interaction], app: Any
) -> list[Outcome]:
    names = sorted({n for i in interactions for n in (i.provider_state, i.operation_id) if n})
    return verify_all(url, spec, interactions, state_handlers=seed_handlers(app, names))


@dataclass(frozen=True)
class PactRun:
    """pact-python's verdicts: description → passed, and its output for messages."""

    verdicts: dict[str, bool]
    output: str

    @property
    def failed(self) -> set[str]:
        return {d for d, ok in self.verdicts.items() if not ok}


def run_pact_verifier(
    pact_file: Path,
    url: str,
    provider: str,
    state: Callable[..., None],
) -> PactRun:
    """pact-python's verifier (the Rust core) on ``pact_file`` against ``url``."""
    from pact import Verifier

    verifier = (
        Verifier(provider, host="127.0.0.1")
        .add_transport(url=url)
        .set_coloured_output(enabled=False)
        .add_source(pact_file)
        .state_handler(state, teardown=False)
    )
    # verify() raises when an interaction fails: the verdicts are read from its results.
    with _stdout_silenced(), contextlib.suppress(RuntimeError):
        verifier.verify()
    # pact-python 4.2 shuts its state-change server down without closing its socket (a
    # ResourceWarning, an error in this suite): closed here.
    server = getattr(getattr(verifier, "_state_handler", None), "_server", None)
    if server is not None:
        server.server_close()
    results: dict[str, Any] = verifier.results
    verdicts: dict[str, bool] = {}
    for outcome in results.get("interactionResults", []) or []:
        verdicts[str(outcome.get("description"))] = outcome.get("result") == "OK"
    return PactRun(verdicts, verifier.output(strip_ansi=True))


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """File descriptor 1 to /dev/null: the Rust core prints its report straight to it."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
