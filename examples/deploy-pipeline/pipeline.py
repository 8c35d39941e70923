"""The castle services' pipeline, from the consumer's tests to production, with Entente's
gates: ``python examples/deploy-pipeline/pipeline.py`` (from the repository root).

What it does, as two CI pipelines would:

1. castle-client's CI runs its consumer tests against an Entente mock (recording what they
   did: its contract), and registers castle-client 1.0.0;
2. castle-service's CI starts the service and verifies it against that contract
   (``entente verify``), and registers castle-service 1.0.0;
3. each service goes dev → staging → production, and before each step asks
   ``entente can-i-deploy``; a yes is followed by ``entente deploy-service``;
4. castle-service 1.1.0, a broken build (it drops a field castle-client reads), is verified
   too, fails, and is refused at the gate for dev: production keeps 1.0.0.

It runs in a fresh Entente home of its own (``--home`` to choose one) and leaves any daemon
alone. Exit 0 when every gate said what it should.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1]
CLIENT = EXAMPLES / "castle-client"
SERVICE = EXAMPLES / "castle-service"
ENVIRONMENTS = ("dev", "staging", "production")
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class Pipeline:
    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "ENTENTE_HOME": str(home)}
        self.env.pop("PYTEST_ADDOPTS", None)

    def step(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def run(self, *args: str, cwd: Path = EXAMPLES, check: bool = True) -> int:
        """Run a command, showing it and its output; its exit code."""
        print(f"$ {' '.join(args)}", flush=True)
        done = subprocess.run(args, cwd=cwd, env=self.env, check=False)
        if check and done.returncode != 0:
            raise SystemExit(f"pipeline: `{' '.join(args)}` failed ({done.returncode})")
        return done.returncode

    def entente(self, *args: str, cwd: Path = EXAMPLES, check: bool = True) -> int:
        return self.run(sys.executable, "-m", "entente_daemon.cli", *args, cwd=cwd, check=check)

    @contextmanager
    def service(self, variant: str | None = None) -> Iterator[str]:
        """castle-service running on a free port (a broken ``variant``); its base URL."""
        args = [sys.executable, "-m", "castle_service", "--port", "0"]
        if variant:
            args += ["--variant", variant]
        process = subprocess.Popen(
            args, cwd=SERVICE, env=self.env, stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = LISTENING.search(line)
            if found is None:
                raise SystemExit(f"pipeline: castle-service did not start ({line.strip()!r})")
            print(line.strip(), flush=True)
            yield found[1]
        finally:
            process.terminate()
            process.wait(timeout=20)

    def gate(self, service: str, version: str, environment: str) -> bool:
        """can-i-deploy, then the deployment when it says yes; whether it did."""
        asked = self.entente(
            "can-i-deploy",
            "--service",
            service,
            "--service-version",
            version,
            "--environment",
            environment,
            check=False,
        )
        if asked != 0:
            return False
        self.entente(
            "deploy-service",
            "--name",
            service,
            "--service-version",
            version,
            "--environment",
            environment,
        )
        return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="the Entente home (default: a new one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="entente-pipeline-") as scratch:
        home = args.home or Path(scratch) / "home"
        return walk(Pipeline(home))


def walk(pipeline: Pipeline) -> int:
    pipeline.step("castle-client CI: its consumer tests record its contract")
    pipeline.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=CLIENT)
    pipeline.entente("register-service", "--type", "consumer", cwd=CLIENT)
    for environment in ENVIRONMENTS:
        pipeline.entente("environments", "create", environment)
    pipeline.entente("environments", "create", "production", "--production")

    pipeline.step("castle-client 1.0.0 waits at the gate: no castle-service runs in dev yet")
    if pipeline.gate("castle-client", "1.0.0", "dev"):
        raise SystemExit("pipeline: the consumer went to dev before its provider")

    pipeline.step("castle-service CI: verify 1.0.0 against castle-client's contract")
    with pipeline.service() as url:
        pipeline.entente("verify", "--provider-version", "1.0.0", "--base-url", url, cwd=SERVICE)
    pipeline.entente("register-service", "--type", "provider", cwd=SERVICE)

    for environment in ENVIRONMENTS:
        pipeline.step(f"to {environment}: the provider, then the consumer")
        for service in ("castle-service", "castle-client"):
            if not pipeline.gate(service, "1.0.0", environment):
                raise SystemExit(f"pipeline: {service} 1.0.0 was refused for {environment}")

    pipeline.step("castle-service 1.1.0, a broken build, is verified and refused")
    with pipeline.service("field-removed") as url:
        verified = pipeline.entente(
            "verify", "--provider-version", "1.1.0", "--base-url", url, cwd=SERVICE, check=False
        )
    if verified == 0:
        raise SystemExit("pipeline: the broken build passed verification")
    if pipeline.gate("castle-service", "1.1.0", "dev"):
        raise SystemExit("pipeline: the broken build was deployed")
    print("castle-service 1.1.0 was refused at the gate: castle-client 1.0.0 would break")

    pipeline.step("what runs where")
    pipeline.entente("status")
    pipeline.entente("matrix", "--environment", "production")
    print("\npipeline: every gate said what it should", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
