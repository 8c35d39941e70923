"""Comparing an answer with what was recorded and what the spec allows: the pure core that
provider verification (`entente_daemon.verify`) and fixture checks (`entente_daemon.fixtures`)
share. A recorded answer, an actual answer and the spec in; a list of `Mismatch` out (status,
content type, schema, structure). No I/O.
"""

from entente_daemon.compare.response import Mismatch, compare, header, media_essence
from entente_daemon.compare.structure import StructureProblem, kind_of, structure_problems

__all__ = [
    "Mismatch",
    "StructureProblem",
    "compare",
    "header",
    "kind_of",
    "media_essence",
    "structure_problems",
]
