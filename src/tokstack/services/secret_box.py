"""Reversible encryption for the one secret tokstack must be able to read back.

Client secrets are verified by their HMAC digest, but TikTok signs webhooks with the client
secret itself, so the worker needs it. It is kept Fernet-encrypted (AES-128-CBC + HMAC) under a
key derived from ``TOKSTACK_SECRET_KEY``, and decrypted only when a webhook is signed.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, key: bytes) -> None:
        derived = hashlib.sha256(b"tokstack-secret-box:" + key).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
