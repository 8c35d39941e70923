"""Media types: parsing ``type/subtype; name=value`` and matching a request's against a spec's.

Media types compare case-insensitively on ``type/subtype``; parameter names are
case-insensitive too, their values are kept as sent (quotes removed). Parsing is cached, since
the same few ``Content-Type`` values come back on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

JSON_SUFFIX = "+json"


@dataclass(frozen=True, slots=True)
class MediaType:
    """A parsed media type or media range: ``main``/``sub`` lower case (``*`` for a
    wildcard), ``params`` with lower-case names."""

    main: str
    sub: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def essence(self) -> str:
        """``type/subtype``, lower case."""
        return f"{self.main}/{self.sub}"

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def is_json(self) -> bool:
        """JSON: ``application/json``, ``text/json`` or any ``+json`` suffix."""
        return self.sub == "json" or self.sub.endswith(JSON_SUFFIX)

    @property
    def is_form(self) -> bool:
        return self.essence == "application/x-www-form-urlencoded"

    @property
    def is_multipart(self) -> bool:
        return self.main == "multipart"

    @property
    def is_xml(self) -> bool:
        return self.sub == "xml" or self.sub.endswith("+xml")

    @property
    def is_text(self) -> bool:
        """Text worth keeping as a string: ``text/*`` and XML."""
        return self.main == "text" or self.sub == "xml" or self.sub.endswith("+xml")


@lru_cache(maxsize=512)
def parse_media_type(value: str) -> MediaType | None:
    """``Application/JSON; charset="utf-8"`` → ``MediaType("application", "json",
    (("charset", "utf-8"),))``; ``*`` alone is read as ``*/*``; None when ``value`` is not a
    media type (no ``/``, or an empty part)."""
    essence, *raw_params = value.split(";")
    essence = essence.strip().lower()
    if essence == "*":
        essence = "*/*"
    main, slash, sub = essence.partition("/")
    main, sub = main.strip(), sub.strip()
    if not slash or not main or not sub or " " in main or " " in sub:
        return None
    params: list[tuple[str, str]] = []
    for raw in raw_params:
        name, equals, param_value = raw.partition("=")
        name = name.strip().lower()
        if not name or not equals:
            continue
        param_value = param_value.strip()
        if len(param_value) >= 2 and param_value[0] == param_value[-1] == '"':
            param_value = param_value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params.append((name, param_value))
    return MediaType(main, sub, tuple(params))


def subtype_matches(pattern: str, sub: str) -> bool:
    """Whether a spec subtype (``json``, ``*``, ``*+json``, ``vnd.*``) covers ``sub``. A
    ``*+json`` pattern covers plain ``json`` too."""
    if pattern in ("*", sub):
        return True
    if "*" not in pattern:
        return False
    prefix, _, suffix = pattern.partition("*")
    if prefix == "" and suffix == JSON_SUFFIX and sub == "json":
        return True
    return len(sub) >= len(prefix) + len(suffix) and sub.startswith(prefix) and sub.endswith(suffix)


def match_rank(declared: MediaType, sent: MediaType) -> int:
    """How well a media type declared by the spec covers one a request sent: 0 not at all,
    else higher is better: 5 exact, 4 a subtype pattern (``application/*+json``),
    3 ``type/*``, 2 ``*/*``, 1 a ``+json`` type sent where the spec says
    ``application/json`` (``application/merge-patch+json`` is JSON, so is read and
    validated as such)."""
    if declared.main == "*":
        return 2 if declared.sub == "*" else 0
    if declared.main != sent.main:
        return 0
    if declared.sub == sent.sub:
        return 5
    if declared.sub == "*":
        return 3
    if subtype_matches(declared.sub, sent.sub):
        return 4
    if declared.sub == "json" and sent.sub.endswith(JSON_SUFFIX):
        return 1
    return 0


def best_declared(declared: Iterable[tuple[str, MediaType]], sent: MediaType) -> str | None:
    """The key of the declared media type that best covers ``sent`` (the first of equals),
    or None."""
    best: str | None = None
    best_rank = 0
    for key, media in declared:
        rank = match_rank(media, sent)
        if rank > best_rank:
            best, best_rank = key, rank
    return best
