"""Provider verification: replay recorded interactions against a real provider and compare.

`compare` is the pure core: a recorded answer, the provider's actual answer and the spec in,
a list of `Mismatch` out (status, content type, schema, structure).
"""

from entente_daemon.verify.compare import Mismatch, compare, header, media_essence
from entente_daemon.verify.structure import StructureProblem, kind_of, structure_problems

__all__ = [
    "Mismatch",
    "StructureProblem",
    "compare",
    "header",
    "kind_of",
    "media_essence",
    "structure_problems",
]
