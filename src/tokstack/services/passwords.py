"""User and developer passwords: argon2id via argon2-cffi."""

from __future__ import annotations

from functools import cache

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
