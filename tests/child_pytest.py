"""The environment of a pytest process a test starts (an example's suite, a user's suite).

Entente's `test` extra installs pytest plugins that a user's project would not have, and two
of them import slowly: Hypothesis (with Schemathesis) and Textual (with its snapshot plugin).
Each pytest process loaded them all through their entry points, about 6 s of CPU before its
first test; blocking them leaves it about 3 s. Entente's own plugin still loads through its
entry point, as in a user's project."""

from __future__ import annotations

from collections.abc import Mapping

#: The plugins only Entente's own suite uses (`-p no:NAME` blocks one; an absent one is fine).
SUITE_ONLY_PLUGINS = (
    "hypothesispytest",
    "schemathesis",
    "textual-snapshot",
    "syrupy",
    "xdist",
    "xdist.looponfail",
)


def child_pytest_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with ``PYTEST_ADDOPTS`` blocking `SUITE_ONLY_PLUGINS` (replacing any given)."""
    return {**env, "PYTEST_ADDOPTS": " ".join(f"-p no:{name}" for name in SUITE_ONLY_PLUGINS)}
