"""User and developer passwords: argon2id via argon2-cffi."""

from __future__ import annotations

from functools import cache

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Verifying against this when the account does not exist keeps timing uniform.

    Made on first use: an argon2 hash takes 64 MiB for a moment, which every worker would
    otherwise pay at import.
    """
    return _hasher.hash("tokstack-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


# Emulator mode's demo and seed passwords are published test data: a light argon2id (about a
# millisecond) lets a reset re-create a thousand seeded users within the request budget.
# verify_password reads the parameters from the hash, so these verify like any other.
_light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_REMEMBERED: dict[str, str] = {}


async def remembered_hash(password: str) -> str:
    """A light argon2 hash made once per process and password, for the demo's and seeds'
    public passwords only (never for a password a person chose)."""
    if password not in _REMEMBERED:
        if len(_REMEMBERED) > 10_000:  # seeds sent over HTTP must not grow this forever
            _REMEMBERED.clear()
        _REMEMBERED[password] = await anyio.to_thread.run_sync(_light.hash, password)
    return _REMEMBERED[password]
