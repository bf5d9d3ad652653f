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


_REMEMBERED: dict[str, str] = {}


async def remembered_hash(password: str) -> str:
    """An argon2 hash made once per process and password: for the demo's and seeds' public
    passwords only, so that an emulator reset re-seeds in well under a second."""
    if password not in _REMEMBERED:
        _REMEMBERED[password] = await anyio.to_thread.run_sync(hash_password, password)
    return _REMEMBERED[password]
