"""How long the sync waits after a failure: exponential, capped, with jitter.

Pure: `Backoff` only counts failures and says the next delay; the service sleeps. A broker
that is down is asked again soon at first, then at most every ``cap`` seconds, and the
jitter keeps a team's daemons from all asking at the same instant after an outage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEFAULT_BASE = 1.0
DEFAULT_CAP = 60.0


@dataclass
class Backoff:
    base: float = DEFAULT_BASE
    cap: float = DEFAULT_CAP
    factor: float = 2.0
    jitter: float = 0.1  # the delay varies by up to this fraction, either way
    failures: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self) -> float:
        """The wait before the next attempt: 0 after a success, else ``base * factor**(n-1)``
        capped at ``cap`` (n failures in a row), varied by the jitter."""
        if self.failures == 0:
            return 0.0
        exponent = min(self.failures - 1, 64)  # 2.0**64 is already far past any cap
        raw = min(self.cap, self.base * self.factor**exponent)
        spread = raw * self.jitter
        return max(0.0, min(self.cap, raw + self._random.uniform(-spread, spread)))

    def failed(self) -> float:
        """Count a failure; the delay to wait now."""
        self.failures += 1
        return self.delay()

    def succeeded(self) -> None:
        self.failures = 0
