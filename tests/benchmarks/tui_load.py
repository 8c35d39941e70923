"""The TUI benchmark's traffic: interactions uploaded to the daemon at a steady rate, from
their own process (so that making them costs the TUI under test nothing).

    python -m tests.benchmarks.tui_load --rate 500 --seconds 10 --first 1000000 --out sent.json

Every ``--tick`` seconds it uploads the interactions due by then in one request (the
mock's recorder batches the same way) and notes, per interaction id, the moment just before
the upload was sent (``time.monotonic()``: CLOCK_MONOTONIC, the same clock in every process
of the machine, so the TUI's process can subtract it from its own readings). The JSON
written to ``--out``: ``{"sent": {id: t}, "rate": achieved per second, "late_ticks": n}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from entente_daemon.client import DaemonClient
from tests.benchmarks.tui_workload import castle_interaction


def run(
    client: DaemonClient, rate: int, seconds: float, first: int, tick: float
) -> dict[str, object]:
    sent: dict[str, float] = {}
    total = int(rate * seconds)
    began = time.monotonic()
    made = 0
    late = 0
    while made < total:
        due = min(total, max(made + 1, int((time.monotonic() - began) * rate)))
        batch = [castle_interaction(first + n, run_id="bench-live") for n in range(made, due)]
        at = time.monotonic()
        receipt = client.upload_interactions(batch)
        if receipt.new != len(batch):
            raise RuntimeError(f"the daemon merged {receipt.merged} of {len(batch)}: not distinct")
        for stored_id in receipt.ids:
            if stored_id in sent:
                raise RuntimeError(f"{stored_id} was stored before: use another --first")
            sent[stored_id] = at
        made = due
        # The next upload: when the next interaction is due, but at most one per tick.
        wake = max(began + made / rate, at + tick)
        pause = wake - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # pacing the load, not waiting for a result
        elif pause < -tick:
            late += 1
    elapsed = time.monotonic() - began
    return {"sent": sent, "rate": len(sent) / elapsed if elapsed else 0.0, "late_ticks": late}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=500, help="interactions per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--first", type=int, default=1_000_000, help="first workload number")
    parser.add_argument("--tick", type=float, default=0.01, help="seconds between uploads")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with DaemonClient.connect() as client:
        result = run(client, args.rate, args.seconds, args.first, args.tick)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
