"""Identifiers and secrets in the shapes TikTok uses on the wire."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import string
import time
import uuid

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


_stamp: tuple[int, str] = (-1, "")


def log_id(now: float | None = None) -> str:
    """34 chars: UTC ``yyyymmddHHMMSS`` followed by 20 uppercase hex digits."""
    global _stamp
    second = int(time.time() if now is None else now)
    if _stamp[0] != second:  # formatting the time once a second, not once a request
        _stamp = (second, time.strftime("%Y%m%d%H%M%S", time.gmtime(second)))
    # not a secret (it is in every response): the fast generator, not the OS's
    return _stamp[1] + f"{random.getrandbits(80):020X}"


def _random(alphabet: str, length: int) -> str:
    # Rejection sampling over one batch of random bytes (unbiased, like secrets.choice, but
    # one call for the whole token instead of one per character: this runs on every grant).
    size = len(alphabet)
    limit = 256 - 256 % size
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(alphabet[b % size] for b in secrets.token_bytes(length + 16) if b < limit)
    return "".join(chars[:length])


def token(prefix: str, region: str) -> str:
    """``act.``/``rft.``/``clt.`` + 60 alphanumerics + ``!`` + 4 digits + ``.`` + region."""
    return f"{prefix}.{_random(_ALNUM, 60)}!{secrets.randbelow(10_000):04d}.{region}"


def auth_code() -> str:
    """Opaque code like TikTok's: URL-safe body ending in a ``*N!NNNN.region`` marker."""
    return f"{secrets.token_urlsafe(96)}*0!{secrets.randbelow(10_000):04d}"


def grant_id() -> str:
    """Groups every token descended from one code exchange (or one CLI issue)."""
    return secrets.token_hex(16)


def client_key() -> str:
    """Production client keys are about 16 lowercase alphanumerics starting ``aw``."""
    return "aw" + _random(_LOWER_ALNUM, 14)


def client_secret() -> str:
    return _random(_ALNUM, 32)


def open_id() -> str:
    return str(uuid.uuid4())


def union_id() -> str:
    return str(uuid.uuid4())


# Emulator mode: ids derived from names, the same after every reset and restart, so an
# integrator's fixtures can hard-code them (or compute them: uuid5 of these strings).
def stable_open_id(client_key: str, username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tokstack:open_id:{client_key}:{username}"))


def stable_union_id(developer: str, username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tokstack:union_id:{developer}:{username}"))


def stable_client_key(developer: str, app_name: str) -> str:
    """A seeded app's client_key when the seed gives none: ``aw`` + 14 of a digest's hex."""
    digest = hashlib.sha256(f"tokstack:client_key:{developer}:{app_name}".encode()).hexdigest()
    return "aw" + digest[:14]


def stable_video_id(username: str, index: int) -> str:
    """A seeded video's id when the seed gives none: 19 digits of a digest, starting 7."""
    digest = hashlib.sha256(f"tokstack:video:{username}:{index}".encode()).digest()
    return str(7 * 10**18 + int.from_bytes(digest[:8], "big") % 10**18)


class SecretHasher:
    """Keyed SHA-256 for high-entropy secrets (tokens, codes, client secrets).

    A slow password hash would cost up to half a second per token request; these secrets
    carry 300+ bits of entropy, so a keyed fast hash is the right tool.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, expected_digest: str) -> bool:
        return hmac.compare_digest(self.digest(secret), expected_digest)
