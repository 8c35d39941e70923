"""Regular expressions written for JSON Schema (ECMA-262) checked and compiled with `re`.

The two dialects mostly agree. The one common ECMA construct `re` rejects, named groups
written ``(?<name>...)``, is translated; anything else `re` cannot compile is reported once at
load time and then ignored by validation, rather than raising in the middle of a request.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ECMA_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str] | str:
    try:
        return re.compile(_ECMA_NAMED_GROUP.sub("(?P<", pattern))
    except re.error as exc:
        return str(exc)
    except (RecursionError, OverflowError):
        return "the expression is too complex"


def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, or None if `re` cannot compile it."""
    result = _compile(pattern)
    return result if isinstance(result, re.Pattern) else None


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used, or None if it can."""
    result = _compile(pattern)
    return None if isinstance(result, re.Pattern) else result
