"""castle-service: the example provider of Entente's walkthrough (``openapi.yaml`` here).

A raw ASGI 3 app with an in-memory catalogue. ``app`` is the default instance served by
``python -m castle_service``; state handlers of a verification run in the same process call
`reset` and `add_castle` (or the methods of any `CastleApp`'s ``store``).
`create_app(variant=...)` builds deliberately broken variants for tests of the verifier.
"""

from castle_service.app import (
    SEED,
    VARIANTS,
    CastleApp,
    CastleStore,
    add_castle,
    app,
    create_app,
    reset,
)

__all__ = [
    "SEED",
    "VARIANTS",
    "CastleApp",
    "CastleStore",
    "add_castle",
    "app",
    "create_app",
    "reset",
]
