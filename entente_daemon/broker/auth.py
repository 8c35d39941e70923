"""Who may ask: every route but health needs ``Authorization: Bearer <key>`` of an active
key (401 otherwise) with the scope the route needs (403 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .context import Ctx
from .keys import GRANTS, KeyInfo, Scope, authenticate

bearer = HTTPBearer(auto_error=False, description="An Entente broker API key")


def _require(scope: Scope) -> object:
    async def check(
        ctx: Ctx,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> KeyInfo:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                401,
                "this broker needs an API key: send `Authorization: Bearer <key>` "
                "(ENTENTE_API_KEY)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        key = await run_in_threadpool(authenticate, ctx.engine, credentials.credentials)
        if key is None:
            raise HTTPException(
                401,
                "the API key is not valid on this broker (wrong, or revoked)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if scope not in GRANTS[key.scope]:
            raise HTTPException(
                403, f"the key {key.name!r} has the scope {key.scope}; this needs {scope}"
            )
        return key

    return Depends(check)


READ = _require(Scope.READ)
WRITE = _require(Scope.WRITE)
ADMIN = _require(Scope.ADMIN)

Reader = Annotated[KeyInfo, READ]
Writer = Annotated[KeyInfo, WRITE]
