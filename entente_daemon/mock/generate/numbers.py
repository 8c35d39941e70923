"""Integers and numbers within bounds and ``multipleOf``, small and readable when unbounded.

Arithmetic on bounds and steps is exact (:class:`fractions.Fraction`), and a fractional
``multipleOf`` result is kept only if jsonschema's own float check accepts it: ``0.07`` is not a
multiple of ``0.01`` for it (``0.07 / 0.01 == 7.000000000000001``), ``0.05`` is.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from fractions import Fraction

Number = int | float

#: Unbounded values are drawn from a window this wide, starting at 1 when the bounds allow.
WINDOW = 1000
_FORMAT_BOUNDS: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
_ATTEMPTS = 24


@dataclass(slots=True)
class Bounds:
    low: Number | None = None
    low_exclusive: bool = False
    high: Number | None = None
    high_exclusive: bool = False

    def raise_low(self, value: Number, exclusive: bool) -> None:
        if self.low is None or value > self.low or (value == self.low and exclusive):
            self.low, self.low_exclusive = value, exclusive

    def lower_high(self, value: Number, exclusive: bool) -> None:
        if self.high is None or value < self.high or (value == self.high and exclusive):
            self.high, self.high_exclusive = value, exclusive

    def admits(self, value: Number) -> bool:
        if self.low is not None and (
            value < self.low or (self.low_exclusive and value == self.low)
        ):
            return False
        return self.high is None or not (
            value > self.high or (self.high_exclusive and value == self.high)
        )


def exact(value: Number) -> Fraction:
    """The decimal a JSON number was written as (``0.1`` is 1/10, not the nearest double)."""
    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


def is_multiple(value: Number, step: Number) -> bool:
    """jsonschema's ``multipleOf`` test, reproduced so generated values pass it."""
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except (OverflowError, ValueError):
            return (Fraction(value) / Fraction(step)).denominator == 1
    return value % step == 0


def _windows(low: Fraction | None, high: Fraction | None) -> list[tuple[Fraction, Fraction]]:
    """Ranges to draw from, preferred first: near 1 and at most WINDOW wide when the bounds
    allow it, then the bounds themselves (made finite)."""
    one, width = Fraction(1), Fraction(WINDOW)
    if low is None and high is None:
        return [(one, width)]
    if low is None:
        assert high is not None
        preferred = [(one, min(high, width))] if high >= 1 else []
        return [*preferred, (high - width, high)]
    if high is None:
        start = max(low, one)
        return [(start, start + width), (low, low + width)]
    start = one if low < 1 and high >= 2 else low
    return [(start, min(high, start + width)), (low, high)]


def _multiples(step: Fraction, bounds: Bounds) -> tuple[int, int] | None:
    """A range of k with k * step inside the bounds."""
    low = exact(bounds.low) if bounds.low is not None else None
    high = exact(bounds.high) if bounds.high is not None else None
    for first, last in _windows(low, high):
        k_low, k_high = math.ceil(first / step), math.floor(last / step)
        if low is not None and bounds.low_exclusive and k_low * step == low:
            k_low += 1
        if high is not None and bounds.high_exclusive and k_high * step == high:
            k_high -= 1
        if k_low <= k_high:
            return k_low, k_high
    return None


def _combined_step(steps: list[Number], integer: bool) -> Fraction:
    step = Fraction(1) if integer else Fraction(0)
    for raw in steps:
        value = abs(exact(raw))
        if value == 0:
            continue
        if step == 0:
            step = value
            continue
        # least common multiple of two fractions: lcm(numerators) / gcd(denominators)
        numerator = math.lcm(step.numerator, value.numerator)
        step = Fraction(numerator, math.gcd(step.denominator, value.denominator))
    return step


def _plan(
    bounds: Bounds, steps: tuple[Number, ...], integer: bool
) -> tuple[Fraction, tuple[int, int] | None]:
    return _cached_plan(
        bounds.low, bounds.low_exclusive, bounds.high, bounds.high_exclusive, steps, integer
    )


@functools.lru_cache(maxsize=1024)
def _cached_plan(
    low: Number | None,
    low_exclusive: bool,
    high: Number | None,
    high_exclusive: bool,
    steps: tuple[Number, ...],
    integer: bool,
) -> tuple[Fraction, tuple[int, int] | None]:
    """The step values must be multiples of, and the range of multipliers within bounds."""
    step = _combined_step(list(steps), integer)
    if not step:
        return step, None
    return step, _multiples(step, Bounds(low, low_exclusive, high, high_exclusive))


@functools.lru_cache(maxsize=1024)
def _float_windows(low: Number | None, high: Number | None) -> list[tuple[float, float]]:
    exact_low = exact(low) if low is not None else None
    exact_high = exact(high) if high is not None else None
    return [(float(a), float(b)) for a, b in _windows(exact_low, exact_high)]


def integer(rng: random.Random, bounds: Bounds, steps: list[Number], formats: list[str]) -> int:
    low, high = bounds.low, bounds.high
    plain = not steps and not formats
    if plain and (low is None or type(low) is int) and (high is None or type(high) is int):
        # the common case, without fractions
        first = 1 if low is None or low < 1 else low + bounds.low_exclusive
        last = first + WINDOW - 1
        if high is not None:
            last = min(last, high - bounds.high_exclusive)
        if first <= last:
            return rng.randint(first, last)
    bounds = Bounds(bounds.low, bounds.low_exclusive, bounds.high, bounds.high_exclusive)
    for name in formats:
        if name in _FORMAT_BOUNDS:
            low, high = _FORMAT_BOUNDS[name]
            bounds.raise_low(low, False)
            bounds.lower_high(high, False)
    step, span = _plan(bounds, tuple(steps), integer=True)
    if span is None:  # contradictory bounds: the nearest the bounds allow, reported later
        fallback = bounds.low if bounds.low is not None else bounds.high
        return math.ceil(fallback) if fallback is not None else 0
    value = rng.randint(*span) * step
    return int(value)


def number(rng: random.Random, bounds: Bounds, steps: list[Number]) -> Number:
    """A number with two decimals when unconstrained, never a whole one (a whole float would
    also pass as an integer, which matters for ``oneOf`` of integer and number)."""
    step, span = _plan(bounds, tuple(steps), integer=False)
    if step:
        if span is None:
            return bounds.low if bounds.low is not None else 0
        raw_steps = [value for value in steps if value]
        for _ in range(_ATTEMPTS):
            exact_value = rng.randint(*span) * step
            candidate: Number = (
                int(exact_value) if exact_value.denominator == 1 else float(exact_value)
            )
            if bounds.admits(candidate) and all(is_multiple(candidate, s) for s in raw_steps):
                return candidate
        return float(span[0] * step)
    for first, last in _float_windows(bounds.low, bounds.high):
        if first > last:
            continue
        for _ in range(_ATTEMPTS):
            candidate = round(rng.uniform(first, last), 2)
            if candidate.is_integer():
                candidate += 0.25
            if bounds.admits(candidate):
                return candidate
        middle = float((first + last) / 2)
        if bounds.admits(middle):
            return middle
    return float(bounds.low) if bounds.low is not None else 0.5
