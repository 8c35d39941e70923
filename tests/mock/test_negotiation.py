"""Content negotiation on Accept (RFC 9110 §12.5.1) and media type matching."""

from __future__ import annotations

import pytest

from entente_daemon.mock.answer.negotiation import negotiate, parse_accept
from entente_daemon.mock.media import MediaType, best_declared, parse_media_type

JSON = "application/json"
PROBLEM = "application/problem+json"
TEXT = "text/plain"
HTML = "text/html"
XML = "application/xml"


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        # no Accept, or nothing usable in it: the first offer
        (None, [JSON, TEXT], JSON),
        ("", [TEXT, JSON], TEXT),
        ("   ", [TEXT, JSON], TEXT),
        ("garbage, also-garbage", [TEXT, JSON], TEXT),
        # exact, case-insensitive, parameters of the offer do not get in the way
        (JSON, [TEXT, JSON], JSON),
        ("Application/JSON", [TEXT, JSON], JSON),
        (JSON, [TEXT, "application/json; charset=utf-8"], "application/json; charset=utf-8"),
        # wildcards
        ("*/*", [TEXT, JSON], TEXT),
        ("*", [TEXT, JSON], TEXT),
        ("application/*", [TEXT, JSON], JSON),
        ("text/*", [JSON, HTML, TEXT], HTML),
        # q-values
        ("text/plain;q=0.5, application/json", [TEXT, JSON], JSON),
        ("text/plain, application/json;q=0.9", [JSON, TEXT], TEXT),
        ("application/json;q=0.2, */*;q=0.1", [TEXT, JSON], JSON),
        ("text/html;q=0, */*", [HTML, JSON], JSON),
        ("application/json;q=0", [JSON], None),
        ("application/json; q=0.000", [JSON], None),
        # the most specific matching range decides an offer's quality
        ("text/*;q=0.3, text/html;q=0.7, */*;q=0.5", [TEXT, HTML, JSON], HTML),
        ("text/*;q=0.3, text/html;q=0.7, */*;q=0.5", [TEXT, JSON], JSON),
        ("text/*, text/plain;q=0", [TEXT, HTML], HTML),
        # equal quality: the more specific range, then the spec's order
        ("text/plain, */*", [JSON, TEXT], TEXT),
        ("*/*", [JSON, TEXT], JSON),
        # nothing acceptable: 406
        (HTML, [JSON, TEXT], None),
        ("image/*", [JSON], None),
        # +json: application/json accepts any +json offer, more weakly than application/*
        (JSON, [PROBLEM], PROBLEM),
        (JSON, ["application/vnd.castle+json"], "application/vnd.castle+json"),
        (JSON, [PROBLEM, JSON], JSON),
        ("application/json;q=0.4, application/*;q=0.8", [PROBLEM], PROBLEM),
        ("application/vnd.castle+json", [JSON], None),
        # an offer that is itself a wildcard matches what overlaps it
        (JSON, ["*/*"], "*/*"),
        (JSON, ["application/*"], "application/*"),
        (HTML, ["application/*"], None),
        # parameters in a range must agree with the offer's own
        ("text/plain;format=flowed", ["text/plain;format=fixed"], None),
        ("text/plain;format=flowed", ["text/plain;format=flowed"], "text/plain;format=flowed"),
        # lenient q: malformed counts as 1, out of range clamped
        ("application/json;q=abc", [JSON], JSON),
        ("application/json;q=7", [JSON], JSON),
        ("text/plain;q=-1, application/json;q=0.1", [TEXT, JSON], JSON),
        # nothing offered: nothing to negotiate
        (JSON, [], None),
        (None, [], None),
    ],
)
def test_negotiate(accept: str | None, offered: list[str], expected: str | None) -> None:
    assert negotiate(accept, offered) == expected


def test_accept_parameters_after_q_are_extensions() -> None:
    ranges = parse_accept('text/plain; format=flowed; q=0.5; ext="x", application/json')
    assert ranges == (
        (MediaType("text", "plain", (("format", "flowed"),)), 0.5),
        (MediaType("application", "json"), 1.0),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", MediaType("application", "json")),
        (
            'Application/JSON ; Charset="UTF-8"',
            MediaType("application", "json", (("charset", "UTF-8"),)),
        ),
        ("*", MediaType("*", "*")),
        ("json", None),
        ("/json", None),
        ("application/", None),
    ],
)
def test_parse_media_type(value: str, expected: MediaType | None) -> None:
    assert parse_media_type(value) == expected


@pytest.mark.parametrize(
    ("declared", "sent", "expected"),
    [
        ([JSON, TEXT], "application/json; charset=utf-8", JSON),
        ([JSON], "APPLICATION/JSON", JSON),
        ([TEXT], JSON, None),
        (["application/*", "*/*"], JSON, "application/*"),
        (["*/*", "application/*"], JSON, "application/*"),
        (["*/*"], "image/png", "*/*"),
        (["application/*+json"], JSON, "application/*+json"),
        (["application/*+json"], "application/merge-patch+json", "application/*+json"),
        (["application/*+json"], XML, None),
        ([JSON], "application/merge-patch+json", JSON),
        (
            [JSON, "application/merge-patch+json"],
            "application/merge-patch+json",
            "application/merge-patch+json",
        ),
        ([PROBLEM], JSON, None),
    ],
)
def test_request_media_type_matching(declared: list[str], sent: str, expected: str | None) -> None:
    parsed = [(key, parse_media_type(key)) for key in declared]
    media = parse_media_type(sent)
    assert media is not None
    assert best_declared([(k, m) for k, m in parsed if m is not None], media) == expected
