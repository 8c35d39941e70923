"""The provider side of the pytest plugin (``entente_provider``, ``entente_verify``), as a
provider's team uses it: castle-service's example contract test run by pytest in its own
folder and process, against interactions a consumer recorded in a temporary home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from entente_daemon.store import Store
from tests.verify.test_runner import record_consumer_run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "castle-service"


def run_example(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest tests`` in the example's folder. Only Entente's plugin is loaded
    (by the module its ``pytest11`` entry point names): the other plugins installed here for
    Entente's own tests cost seconds of start-up and have nothing to do with this one."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ENTENTE_", "PYTEST_"))}
    clean.pop("CI", None)
    clean.update({"ENTENTE_HOME": str(home), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"]
        + ["-p", "entente_daemon.pytest_plugin"],
        cwd=EXAMPLE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


def test_the_example_contract_test_passes_and_stores_the_verification(home: Path) -> None:
    record_consumer_run()
    done = run_example(home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    with Store.open(home / "store", readonly=True) as store:
        [verification] = store.verifications.list(provider="castle-service")
    assert (verification.consumer, verification.passed, verification.failed) == (
        "castle-client",
        4,
        0,
    )


def test_a_broken_build_fails_with_the_mismatch(home: Path) -> None:
    record_consumer_run()
    done = run_example(home, CASTLE_SERVICE_VARIANT="type-changed")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "castle-service 1.0.0: 1/4 passed" in done.stdout
    assert "schema_mismatch at $.yearBuilt" in done.stdout
    assert "'1623' is not of type 'integer'" in done.stdout


def test_nothing_recorded_skips_rather_than_passes(home: Path) -> None:
    done = run_example(home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "nothing to verify: no interactions recorded against castle-service" in done.stdout
