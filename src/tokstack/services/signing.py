"""Signed, expiring URLs as TikTok's CDN hands them out (``x-expires``, ``x-signature``):
avatars and video covers. The HMAC key is derived per purpose from the server's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


class UrlSigner:
    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = hashlib.sha256(purpose.encode() + b":" + secret).digest()

    def signature(self, name: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{name}:{expires}".encode(), hashlib.sha256).digest()[:20]
        return base64.b64encode(mac).decode()

    def valid(self, name: str, expires: str, signature: str, now: int) -> int | None:
        """The expiry of a signed name still in date, else None."""
        # ASCII digits only and a bounded length: "²" passes isdigit() but not int(), and
        # int() refuses strings of more than 4300 digits.
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return None
        expires_at = int(expires)
        if expires_at < now:
            return None
        expected = self.signature(name, expires_at)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        return expires_at
