"""``idn-hostname`` and ``idn-email``: internationalised values that are valid are accepted
(as IDNA with the UTS #46 mapping reads them), invalid ones still refused."""

from __future__ import annotations

import pytest

from entente_daemon.openapi.formats import FormatDialect, format_checker

VALID = [
    ("idn-hostname", "Bücher.example"),
    ("idn-hostname", "bücher.example"),
    ("idn-hostname", "例子.广告"),
    ("idn-hostname", "xn--bcher-kva.example"),
    ("idn-hostname", "example.com."),
    ("idn-email", "用户@例子.广告"),
    ("idn-email", "josé@Bücher.example"),
    ("idn-email", "castle@example.com"),
    ("idn-email", "admin@[192.0.2.1]"),
]
INVALID = [
    ("idn-hostname", "-bad-.example"),
    ("idn-hostname", "a..b"),
    ("idn-hostname", "with space.example"),
    ("idn-hostname", "under_score.example"),
    ("idn-hostname", ""),
    ("idn-hostname", "a" * 64 + ".example"),
    ("idn-email", "no-at-sign"),
    ("idn-email", "@例子.广告"),
    ("idn-email", "用户@"),
    ("idn-email", "a b@example.com"),
    ("idn-email", "用户@-bad-.example"),
    ("idn-email", "admin@[not-an-ip]"),
]


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
@pytest.mark.parametrize(("fmt", "value"), VALID)
def test_valid_internationalised_values_are_accepted(
    dialect: FormatDialect, fmt: str, value: str
) -> None:
    assert format_checker(dialect).conforms(value, fmt)


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
@pytest.mark.parametrize(("fmt", "value"), INVALID)
def test_invalid_values_are_refused(dialect: FormatDialect, fmt: str, value: str) -> None:
    assert not format_checker(dialect).conforms(value, fmt)


def test_non_strings_are_left_to_the_type_keyword() -> None:
    assert format_checker("3.1").conforms(42, "idn-hostname")
    assert format_checker("3.1").conforms(42, "idn-email")
