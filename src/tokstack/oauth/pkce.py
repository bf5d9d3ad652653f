"""PKCE (RFC 7636), S256 only, in both encodings TikTok clients send.

TikTok's desktop, iOS and Android SDKs send ``lowercase hex(SHA-256(verifier))``; RFC 7636
clients (and libraries such as arctic) send ``base64url(SHA-256(verifier))`` without padding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

# TikTok's Android SDK sends 32-character verifiers, below RFC 7636's 43.
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{32,128}$")
HEX_CHALLENGE = re.compile(r"^[0-9a-fA-F]{64}$")
B64_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def valid_challenge(challenge: str) -> bool:
    return bool(HEX_CHALLENGE.match(challenge) or B64_CHALLENGE.match(challenge))


def verify(verifier: str, challenge: str) -> bool:
    if not VERIFIER.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    if HEX_CHALLENGE.match(challenge):
        return hmac.compare_digest(digest.hex(), challenge.lower())
    encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(encoded, challenge)
