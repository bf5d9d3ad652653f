"""Reversible encryption for the one secret tokstack must be able to read back.

Client secrets are verified by their HMAC digest, but TikTok signs webhooks with the client
secret itself, so the worker needs it. It is kept Fernet-encrypted (AES-128-CBC + HMAC) under a
key derived from ``TOKSTACK_SECRET_KEY``, and decrypted only when a webhook is signed.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._key = base64.urlsafe_b64encode(hashlib.sha256(b"tokstack-secret-box:" + key).digest())

    @cached_property
    def _fernet(self) -> Fernet:
        from cryptography.fernet import Fernet  # loaded on first use: keeps workers small

        return Fernet(self._key)

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        from cryptography.fernet import InvalidToken

        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
