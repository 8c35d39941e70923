"""can-i-deploy's decision time, with the facts kept (the daemon's way) against gathering
them from the store for each question (the way without them: the baseline).

    python -m tests.benchmarks.bench_deploy [--interactions 100000] [--verifications 1000]

A store is filled with ``--interactions`` contract interactions (``--consumers`` consumers,
each with ``--versions`` versions, against ``--providers`` providers) and
``--verifications`` verifications; then one question (a provider version against every live
consumer version) is answered both ways, several times, and the medians printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from entente_daemon.deploy.decision import Question, can_i_deploy
from entente_daemon.model import (
    Deployment,
    HttpRequest,
    HttpResponse,
    Interaction,
    Verification,
    VerificationResult,
)
from entente_daemon.records.deploy_store import gather_facts, verification_fact
from entente_daemon.store import Store


def command() -> str:
    return shlex.join(["python", "-m", "tests.benchmarks.bench_deploy", *sys.argv[1:]])


def fill(store: Store, args: argparse.Namespace) -> None:
    consumers = [f"consumer-{c}" for c in range(args.consumers)]
    providers = [f"provider-{p}" for p in range(args.providers)]
    per_version = max(args.interactions // (len(consumers) * args.versions), 1)
    hashes: dict[tuple[str, str, str], list[Interaction]] = {}
    n = 0
    for consumer in consumers:
        for v in range(args.versions):
            version = f"1.{v}.0"
            for i in range(per_version):
                provider = providers[(n + i) % len(providers)]
                made = Interaction(
                    consumer=consumer,
                    consumer_version=version,
                    provider=provider,
                    provider_version="2.0.0",
                    operation_id=f"op{i % 20}",
                    test_id=f"tests/test_{i}.py::test_{i}",
                    run_id=f"{consumer}-{version}",
                    request=HttpRequest(method="GET", path=f"/things/{n}/{i}"),
                    response=HttpResponse(status=200, body={"id": i, "name": f"thing {n}"}),
                ).with_hash()
                store.interactions.add(made)
                hashes.setdefault((consumer, version, provider), []).append(made)
            n += 1
    pairs = list(hashes.items())
    for k in range(args.verifications):
        (consumer, version, provider), group = pairs[k % len(pairs)]
        store.verifications.add(
            Verification(
                provider=provider,
                provider_version=f"2.{k // len(pairs)}.0",
                consumer=consumer,
                consumer_version=version,
                results=[
                    VerificationResult(
                        interaction_id=i.id, interaction_hash=i.content_hash, ok=True
                    )
                    for i in group
                ],
            )
        )
    for consumer in consumers:
        store.deployments.add(
            Deployment(service=consumer, version=f"1.{args.versions - 1}.0", environment="prod")
        )
    store.flush()


def timed(job: object, rounds: int) -> float:
    assert callable(job)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        job()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--verifications", type=int, default=1_000)
    parser.add_argument("--consumers", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    question = Question("provider-0", "2.0.0", "prod")
    with tempfile.TemporaryDirectory(prefix="entente-bench-") as tmp:
        folder = Path(tmp) / "store"
        with Store.open(folder) as store:
            start = time.perf_counter()
            fill(store, args)
            filled = time.perf_counter() - start
        with Store.open(folder, readonly=True) as store:
            stored = store.interactions.count()
            facts = gather_facts(store)
            warm = timed(lambda: can_i_deploy(facts, question), args.rounds * 20)
            landed = verification_fact(store.verifications.list(limit=1)[0])

            def verified_then_asked() -> None:  # the daemon after `entente verify`
                facts.add_verification(landed)
                can_i_deploy(facts, question)

            after_verify = timed(verified_then_asked, args.rounds * 20)
            cold = timed(lambda: can_i_deploy(gather_facts(store), question), args.rounds)
        answer = can_i_deploy(facts, question)
    print(f"command: {command()}")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}; store filled in {filled:.1f} s"
    )
    print(
        f"{stored} interactions, {args.verifications} verifications; the question: "
        f"{question.service} {question.version} to {question.environment} "
        f"({len(answer.rows)} pairs, answer {answer.answer})"
    )
    print(f"decision on kept facts (the daemon)     : {warm * 1000:9.2f} ms (median)")
    print(f"a verification lands, then decide       : {after_verify * 1000:9.2f} ms (median)")
    print(f"gather from the store, then decide      : {cold * 1000:9.2f} ms (median)")
    print(f"ratio                                   : {cold / warm:9.0f}x faster with kept facts")


if __name__ == "__main__":
    main()
