"""API keys: made at random, shown once, kept only as a hash, compared in constant time.

A key is 32 random bytes (`secrets.token_urlsafe`), so a plain SHA-256 of it is enough: a
slow password hash guards short, guessable secrets, and nobody guesses 256 random bits.
A fast hash also lets the broker check a key on every request without a cache, so a
revocation takes effect at once in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from entente_daemon.errors import EntenteError
from entente_daemon.model import utc_now

from .database import writing
from .schema import api_keys, stamp

PREFIX = "ent_"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


#: What each scope may do: a write key reads too, an admin key does everything.
GRANTS: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.WRITE: frozenset({Scope.READ, Scope.WRITE}),
    Scope.ADMIN: frozenset({Scope.READ, Scope.WRITE, Scope.ADMIN}),
}


class KeyProblem(EntenteError):
    """A key cannot be made or revoked (a name taken, a name unknown)."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    scope: Scope
    created_at: str
    revoked_at: str | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(engine: Engine, name: str, scope: Scope) -> str:
    """A new key named ``name``; the key itself (it is not kept)."""
    key = PREFIX + secrets.token_urlsafe(32)
    try:
        with writing(engine) as connection:
            connection.execute(
                api_keys.insert().values(
                    name=name,
                    scope=str(scope),
                    key_hash=hash_key(key),
                    created_at=stamp(utc_now()),
                )
            )
    except IntegrityError:
        raise KeyProblem(f"a key named {name!r} exists already; pick another name") from None
    return key


def list_keys(engine: Engine) -> list[KeyInfo]:
    with engine.connect() as connection:
        rows = connection.execute(select(api_keys).order_by(api_keys.c.seq)).all()
    return [KeyInfo(r.name, Scope(r.scope), r.created_at, r.revoked_at) for r in rows]


def revoke_key(engine: Engine, name: str) -> None:
    with writing(engine) as connection:
        done = connection.execute(
            update(api_keys)
            .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=stamp(utc_now()))
        )
    if done.rowcount == 0:
        raise KeyProblem(f"no active key named {name!r} (see `entente broker keys list`)")


def count_active(engine: Engine) -> int:
    with engine.connect() as connection:
        rows = connection.execute(select(api_keys.c.seq).where(api_keys.c.revoked_at.is_(None)))
        return len(rows.all())


def authenticate(engine: Engine, key: str) -> KeyInfo | None:
    """The active key ``key`` is, None when none. The stored hash is found by an index,
    then compared with `hmac.compare_digest`, so the time taken does not tell how much of
    a guess was right."""
    wanted = hash_key(key)
    with engine.connect() as connection:
        row = connection.execute(
            select(api_keys).where(api_keys.c.key_hash == wanted, api_keys.c.revoked_at.is_(None))
        ).first()
    if row is None or not hmac.compare_digest(row.key_hash, wanted):
        return None
    return KeyInfo(row.name, Scope(row.scope), row.created_at, row.revoked_at)
