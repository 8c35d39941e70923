"""Breaking-change detection between two versions of an OpenAPI spec (pure: no I/O).

`changes.py` is the shared vocabulary (`Change`, `Level`, `Side`, `Location`, `DiffReport`).
"""

from entente_daemon.diff.catalogue import RULES, Rule, rule
from entente_daemon.diff.changes import Change, DiffReport, Level, Location, Side
from entente_daemon.diff.engine import diff_operations, diff_specs

__all__ = [
    "RULES",
    "Change",
    "DiffReport",
    "Level",
    "Location",
    "Rule",
    "Side",
    "diff_operations",
    "diff_specs",
    "rule",
]
