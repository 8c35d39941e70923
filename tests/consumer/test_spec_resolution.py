"""Which spec version a mock serves: the rules, each with the reason it gives."""

from __future__ import annotations

import pytest

from entente_daemon.openapi.resolution import (
    SpecCandidate,
    SpecResolutionError,
    choose_spec,
    parse_version,
)

AVAILABLE = [
    SpecCandidate("1.0.0", "store", "castle-service@1.0.0", order=0),
    SpecCandidate("1.2.0", "store", "castle-service@1.2.0", order=1),
    SpecCandidate("1.4.1", "store", "castle-service@1.4.1", order=2),
    SpecCandidate("2.0.0-rc.1", "store", "castle-service@2.0.0-rc.1", order=3),
    SpecCandidate("2.0.0", "project", "/specs/castle.yaml"),
]


@pytest.mark.parametrize(
    ("asked", "version", "rule", "reason_has"),
    [
        ("1.2.0", "1.2.0", "exact", "version 1.2.0 asked and available from the store"),
        ("2.0.0", "2.0.0", "exact", "available from the project"),
        ("latest", "2.0.0", "latest", "'latest' asked; 2.0.0 from the project is the newest"),
        (None, "2.0.0", "latest", "is the newest"),
        ("1.3.0", "1.2.0", "same_major", "closest with major version 1"),
        ("1.4", "1.4.1", "same_major", "1.4 asked but not available; 1.4.1"),
        ("1.9.0", "1.4.1", "same_major", "closest with major version 1"),
        ("v1.0", "1.0.0", "exact", "v1.0 asked; 1.0.0 is the same version and available"),
        ("3.1.0", "2.0.0", "newest", "no version with major version 3; using the newest, 2.0.0"),
        ("main", "2.0.0", "newest", "'main' is not a version number"),
    ],
)
def test_rules(asked: str | None, version: str, rule: str, reason_has: str) -> None:
    choice = choose_spec("castle-service", asked, AVAILABLE)

    assert (choice.version, choice.rule) == (version, rule)
    assert choice.candidate.version == version
    assert reason_has in choice.reason
    assert choice.reason.startswith("castle-service: ")


def test_the_reason_lists_what_was_available_when_the_version_was_not() -> None:
    choice = choose_spec("castle-service", "1.3.0", AVAILABLE)

    assert "available: 1.0.0 (store), 1.2.0 (store), 1.4.1 (store)" in choice.reason


def test_a_tie_in_closeness_goes_to_the_newer_version() -> None:
    candidates = [SpecCandidate("1.2.0", "store", "a"), SpecCandidate("1.4.0", "store", "b")]

    assert choose_spec("p", "1.3.0", candidates).version == "1.4.0"


def test_an_exact_version_in_both_places_prefers_the_project_file() -> None:
    candidates = [
        SpecCandidate("1.0.0", "store", "p@1.0.0", order=5),
        SpecCandidate("1.0.0", "project", "/p.yaml"),
    ]

    assert choose_spec("p", "1.0.0", candidates).source == "project"


def test_a_release_is_newer_than_its_release_candidate() -> None:
    candidates = [SpecCandidate("2.0.0", "store", "a"), SpecCandidate("2.0.0-rc.2", "store", "b")]

    assert choose_spec("p", "latest", candidates).version == "2.0.0"


def test_unparseable_versions_rank_by_upload_order_below_numbered_ones() -> None:
    candidates = [
        SpecCandidate("abc123", "store", "a", order=2),
        SpecCandidate("0.1.0", "store", "b", order=0),
        SpecCandidate("def456", "store", "c", order=3),
    ]

    assert choose_spec("p", "latest", candidates).version == "0.1.0"
    assert choose_spec("p", "zzz", candidates[::2]).version == "def456"


def test_no_spec_at_all_is_an_error_saying_what_to_do() -> None:
    with pytest.raises(SpecResolutionError, match="no spec available for provider 'p'"):
        choose_spec("p", "1.0.0", [])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.2.3", ((1, 2, 3), None)),
        ("v2", ((2,), None)),
        ("1.0.0-rc.1", ((1, 0, 0), "rc.1")),
        ("1.0.0+build.5", ((1, 0, 0), None)),
        ("main", None),
        ("", None),
    ],
)
def test_parse_version(text: str, parsed: object) -> None:
    assert parse_version(text) == parsed
