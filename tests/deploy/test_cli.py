"""The deployment commands through the real CLI, against the local store and through a
running daemon: the same answers, exit codes and JSON either way. The commands run in this
process (`tests.in_process`); a usage error goes through the real ``entente`` process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.model import Interaction, Verification, VerificationResult
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon, entente_cli, interaction, wait_for
from tests.in_process import Ran, entente

WEB = "castle-client"


def contract_interaction(n: int) -> Interaction:
    """One interaction a test of castle-client 1.0.0 made against castle-service."""
    made = interaction(n, test_id=f"tests/test_castles.py::test_{n}", run_id="run-1")
    return made.with_hash()


def verification(provider_version: str, made: list[Interaction], ok: bool) -> Verification:
    return Verification(
        provider="castle-service",
        provider_version=provider_version,
        consumer=WEB,
        consumer_version="1.0.0",
        results=[
            VerificationResult(interaction_id=i.id, interaction_hash=i.content_hash, ok=ok)
            for i in made
        ],
    )


@pytest.fixture(params=["store", "daemon"])
def cli_home(request: pytest.FixtureRequest, home: Path) -> Iterator[Path]:
    """A home whose store holds castle-client 1.0.0's contract, verified by castle-service
    2.0.0 and failed by 3.0.0; with a daemon running over it for the "daemon" case."""
    made = [contract_interaction(n) for n in (1, 2)]
    with Store.open(home / "store") as store:
        for each in made:
            store.interactions.add(each)
        store.verifications.add(verification("2.0.0", made, ok=True))
        store.verifications.add(verification("3.0.0", made, ok=False))
    if request.param == "store":
        yield home
        return
    daemon = Daemon(home)
    daemon.start()
    try:
        yield home
    finally:
        daemon.ensure_gone()


def run(home: Path, *args: str) -> Ran:
    return entente(home, *args, cwd=home.parent)


def ask(home: Path, service: str, version: str, *extra: str) -> tuple[int, Any]:
    done = run(
        home,
        "can-i-deploy",
        "--service",
        service,
        "--service-version",
        version,
        "--environment",
        "prod",
        "--json",
        *extra,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def answer(shape: Any) -> Any:
    return shape["summary"]["answer"]


def deploy(home: Path, service: str, version: str, *extra: str) -> None:
    done = run(
        home,
        "deploy-service",
        "--name",
        service,
        "--service-version",
        version,
        "--environment",
        "prod",
        *extra,
    )
    assert done.returncode == 0, done.stderr


def test_a_consumer_waits_for_its_provider(cli_home: Path) -> None:
    home = cli_home
    code, shape = ask(home, WEB, "1.0.0")
    assert (code, answer(shape)) == (1, "unknown")
    steps = " ".join(shape["summary"]["next_steps"])
    assert "deploy castle-service to prod first" in steps
    # what-if: released together with the provider version that verified it
    code, shape = ask(home, WEB, "1.0.0", "--with", "castle-service@2.0.0")
    assert (code, answer(shape)) == (0, "yes")

    deploy(home, "castle-service", "2.0.0")
    code, shape = ask(home, WEB, "1.0.0")
    assert (code, answer(shape)) == (0, "yes")
    [pair] = shape["pairs"]
    assert pair["state"] == "verified"
    assert pair["verification"]["passed"] == 2


def test_a_provider_build_that_failed_a_live_consumer_is_refused(cli_home: Path) -> None:
    home = cli_home
    deploy(home, WEB, "1.0.0")
    code, shape = ask(home, "castle-service", "3.0.0")
    assert (code, answer(shape)) == (1, "no")
    assert shape["pairs"][0]["state"] == "failed"
    # --dry-run prints the same answer and exits 0
    code, shape = ask(home, "castle-service", "3.0.0", "--dry-run")
    assert (code, answer(shape)) == (0, "no")
    # --ignore leaves the consumer out
    code, shape = ask(home, "castle-service", "3.0.0", "--ignore", WEB)
    assert (code, answer(shape)) == (0, "yes")
    # a version nobody ever heard of
    code, shape = ask(home, "castle-service", "9.9.9")
    assert (code, answer(shape)) == (1, "no")


def test_an_unverified_version_is_unknown_unless_a_compatible_one_stands_in(
    cli_home: Path,
) -> None:
    home = cli_home
    deploy(home, WEB, "1.0.0")
    deploy(home, "castle-service", "2.1.0", "--type", "provider")
    code, shape = ask(home, "castle-service", "2.1.0")
    assert (code, answer(shape)) == (1, "unknown")
    assert any(
        "entente verify --provider castle-service --provider-version 2.1.0" in step
        for step in shape["summary"]["next_steps"]
    )
    code, shape = ask(home, "castle-service", "2.1.0", "--semver-compatibility", "minor")
    assert (code, answer(shape)) == (0, "yes")
    assert shape["pairs"][0]["leaned_on"] == "2.0.0"


def test_undeployed_consumers_hold_nothing_back_and_status_and_matrix_say_so(
    cli_home: Path,
) -> None:
    home = cli_home
    deploy(home, "castle-service", "2.0.0")
    deploy(home, WEB, "1.0.0")
    done = run(home, "undeploy-service", "--name", WEB, "--environment", "prod")
    assert done.returncode == 0, done.stderr
    code, shape = ask(home, "castle-service", "3.0.0")
    assert (code, answer(shape)) == (0, "yes")

    status = json.loads(run(home, "status", "--json").stdout)
    assert [(r["service"], r["version"]) for r in status["live"]] == [("castle-service", "2.0.0")]
    matrix = json.loads(run(home, "matrix", "--environment", "prod", "--json").stdout)
    states = {(c["consumer_version"], c["provider_version"]): c["state"] for c in matrix["cells"]}
    assert states == {("1.0.0", "2.0.0"): "verified", ("1.0.0", "3.0.0"): "failed"}


def test_the_human_answer_says_why_and_what_next(cli_home: Path) -> None:
    done = run(
        cli_home,
        "can-i-deploy",
        "--service",
        WEB,
        "--service-version",
        "1.0.0",
        "--environment",
        "prod",
    )
    assert done.returncode == 1
    assert "can castle-client 1.0.0 deploy to prod? UNKNOWN" in done.stdout
    assert "castle-service has no version in prod" in done.stdout
    assert "next:" in done.stdout


def test_usage_errors_exit_2(cli_home: Path) -> None:
    done = entente_cli(  # the real entry point, in its own process
        cli_home,
        "can-i-deploy",
        "--service",
        WEB,
        "--service-version",
        "1.0.0",
        "--environment",
        "prod",
        "--with",
        "castle-service",
        cwd=cli_home.parent,
    )
    assert done.returncode == 2
    assert "expected SERVICE@VERSION" in done.stderr


def test_a_failed_deployment_leaves_the_version_before_active(cli_home: Path) -> None:
    deploy(cli_home, "castle-service", "2.0.0")
    deploy(cli_home, "castle-service", "3.0.0", "--failed", "--reason", "health check")
    status = json.loads(run(cli_home, "status", "--json").stdout)
    assert [r["version"] for r in status["live"]] == ["2.0.0"]
    done = run(cli_home, "undeploy-service", "--name", "castle-service", "--environment", "dev")
    assert done.returncode == 2
    assert "castle-service is not deployed to dev" in done.stderr


def test_upload_spec_is_idempotent_and_refuses_a_changed_spec(
    cli_home: Path, tmp_path: Path
) -> None:
    spec = Path(__file__).parents[2] / "examples" / "castle-service" / "openapi.yaml"
    args = ("upload-spec", "--service", "castle-service", "--service-version", "2.0.0")
    first = run(cli_home, *args, "--spec", str(spec))
    assert first.returncode == 0, first.stderr
    assert "spec uploaded" in first.stdout
    again = run(cli_home, *args, "--spec", str(spec))
    assert again.returncode == 0
    assert "already stored" in again.stdout
    changed = tmp_path / "openapi.yaml"
    changed.write_text(spec.read_text().replace("title:", "title: Changed", 1))
    refused = run(cli_home, *args, "--spec", str(changed))
    assert refused.returncode == 2
    assert "already has a different spec" in refused.stderr
    assert "--force" in refused.stderr
    forced = run(cli_home, *args, "--spec", str(changed), "--force")
    assert forced.returncode == 0
    assert "spec uploaded" in forced.stdout


def test_the_daemon_tells_of_deployments(home: Path) -> None:
    """deployment.recorded and readiness.changed reach the daemon's event feed."""
    daemon = Daemon(home)
    daemon.start()
    try:
        deploy(home, "castle-service", "2.0.0")
        with daemon.client() as client:

            def kinds() -> list[str]:
                return [str(e.kind) for e in client.events_since(0, 100).events]

            wait_for(lambda: "readiness.changed" in kinds(), what="the readiness event")
            assert "deployment.recorded" in kinds()
    finally:
        daemon.ensure_gone()


def seed(home: Path, *consumers: str, verified: dict[str, bool] | None = None) -> None:
    """Contracts of each consumer "name@version" with castle-service, and verifications by
    castle-service versions: ``{"castle-service@2.0.0 web@1.0.0": True, ...}``."""
    made: dict[tuple[str, str], list[Interaction]] = {}
    with Store.open(home / "store") as store:
        for n, who in enumerate(consumers):
            name, version = who.split("@")
            made[(name, version)] = [
                interaction(
                    100 + n,
                    consumer=name,
                    consumer_version=version,
                    test_id=f"tests/test_{name}.py::test_get",
                    run_id=f"run-{who}",
                ).with_hash()
            ]
            store.interactions.add(made[(name, version)][0])
        for pair, ok in (verified or {}).items():
            provider, consumer = pair.split()
            name, version = consumer.split("@")
            group = made[(name, version)]
            store.verifications.add(
                Verification(
                    provider="castle-service",
                    provider_version=provider.split("@")[1],
                    consumer=name,
                    consumer_version=version,
                    results=[
                        VerificationResult(
                            interaction_id=i.id, interaction_hash=i.content_hash, ok=ok
                        )
                        for i in group
                    ],
                )
            )


def deploy_to(home: Path, who: str, environment: str, *extra: str) -> None:
    name, version = who.split("@")
    done = run(
        home,
        "deploy-service",
        "--name",
        name,
        "--service-version",
        version,
        "--environment",
        environment,
        *extra,
    )
    assert done.returncode == 0, done.stderr


def test_a_provider_s_first_deploy_with_no_consumer_at_all(home: Path) -> None:
    run(home, "register-service", "--name", "castle-service", "--service-version", "1.0.0")
    code, shape = ask(home, "castle-service", "1.0.0")
    assert (code, answer(shape)) == (0, "yes")
    assert "no consumer has a contract with castle-service" in shape["summary"]["reasons"]


def test_a_consumer_in_staging_only_does_not_hold_production_back(home: Path) -> None:
    seed(home, "web@1.0.0")
    deploy_to(home, "web@1.0.0", "staging")
    run(home, "register-service", "--name", "castle-service", "--service-version", "2.0.0")
    code, shape = ask(home, "castle-service", "2.0.0")  # production
    assert (code, answer(shape)) == (0, "yes")
    staged = run(
        home,
        "can-i-deploy",
        "--service",
        "castle-service",
        "--service-version",
        "2.0.0",
        "--environment",
        "staging",
        "--json",
    )
    assert staged.returncode == 1
    assert json.loads(staged.stdout)["summary"]["answer"] == "unknown"


def test_two_consumers_one_verified_one_not(home: Path) -> None:
    seed(home, "web@1.0.0", "app@3.0.0", verified={"castle-service@2.0.0 web@1.0.0": True})
    deploy_to(home, "web@1.0.0", "prod")
    deploy_to(home, "app@3.0.0", "prod")
    code, shape = ask(home, "castle-service", "2.0.0")
    assert (code, answer(shape)) == (1, "unknown")
    states = {p["consumer"]: p["state"] for p in shape["pairs"]}
    assert states == {"app": "unknown", "web": "verified"}


def test_a_rollback_makes_the_older_version_the_one_checked(home: Path) -> None:
    seed(home, "web@1.0.0", verified={"castle-service@1.0.0 web@1.0.0": True})
    deploy_to(home, "castle-service@1.0.0", "prod")
    deploy_to(home, "castle-service@2.0.0", "prod")
    code, shape = ask(home, "web", "1.0.0")
    assert (code, answer(shape)) == (1, "unknown")  # 2.0.0 never verified web 1.0.0
    deploy_to(home, "castle-service@1.0.0", "prod")  # the rollback
    code, shape = ask(home, "web", "1.0.0")
    assert (code, answer(shape)) == (0, "yes")
    assert shape["pairs"][0]["provider_version"] == "1.0.0"


def test_every_released_supported_version_counts(home: Path) -> None:
    seed(home, "app@1.0.0", "app@2.0.0", verified={"castle-service@2.0.0 app@2.0.0": True})
    for version in ("1.0.0", "2.0.0"):
        done = run(
            home,
            "record-release",
            "--name",
            "app",
            "--service-version",
            version,
            "--environment",
            "prod",
        )
        assert done.returncode == 0, done.stderr
    code, shape = ask(home, "castle-service", "2.0.0")
    assert (code, answer(shape)) == (1, "unknown")  # app 1.0.0 is still supported
    done = run(
        home,
        "support-ended",
        "--name",
        "app",
        "--service-version",
        "1.0.0",
        "--environment",
        "prod",
    )
    assert done.returncode == 0, done.stderr
    code, shape = ask(home, "castle-service", "2.0.0")
    assert (code, answer(shape)) == (0, "yes")


@pytest.mark.parametrize(
    ("level", "verified", "expected"),
    [
        ("none", "1.2.0", "unknown"),
        ("patch", "1.2.0", "yes"),
        ("patch", "1.1.0", "unknown"),
        ("minor", "1.1.0", "yes"),
        ("minor", "2.0.0", "unknown"),
    ],
)
def test_semver_compatibility_at_each_level(
    home: Path, level: str, verified: str, expected: str
) -> None:
    seed(home, "web@1.0.0", verified={f"castle-service@{verified} web@1.0.0": True})
    deploy_to(home, "castle-service@1.2.3", "prod")
    code, shape = ask(home, "web", "1.0.0", "--semver-compatibility", level)
    assert answer(shape) == expected
    assert code == (0 if expected == "yes" else 1)
