"""Checking TikTok's webhook signatures: ``TikTok-Signature: t=<unix>,s=<hex>``, where
``s`` is HMAC-SHA256 of ``"<t>.<raw body>"`` keyed by the app's client secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class InvalidSignature(ValueError):
    """The signature is missing, malformed, wrong, or outside the time tolerance."""


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event; ``content`` is the parsed JSON of the event's ``content`` string."""

    client_key: str
    event: str
    create_time: int
    user_openid: str
    content: Mapping[str, Any]
    raw: Mapping[str, Any] = field(compare=False, repr=False)


def _parts(header: str) -> tuple[int, str]:
    values: dict[str, str] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            values.setdefault(name, value)
    try:
        stamp = int(values["t"])
        signature = values["s"]
    except (KeyError, ValueError):
        raise InvalidSignature("the TikTok-Signature header is not t=<unix>,s=<hex>") from None
    return stamp, signature


def verify(
    client_secret: str,
    signature_header: str,
    body: bytes | str,
    tolerance: float = 300,
    now: float | None = None,
) -> WebhookEvent:
    """The event of a webhook request whose signature is right and at most ``tolerance``
    seconds away from ``now``; otherwise ``InvalidSignature``. Pass the raw body, as sent."""
    raw = body.encode() if isinstance(body, str) else body
    stamp, signature = _parts(signature_header or "")
    expected = hmac.new(client_secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), signature.lower()):
        raise InvalidSignature("the signature does not match the body and the client secret")
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        raise InvalidSignature(f"the signature's time is more than {tolerance:g} s away")
    try:
        event = json.loads(raw)
        content = event.get("content") or "{}"
        parsed = json.loads(content) if isinstance(content, str) else content
        return WebhookEvent(
            client_key=str(event["client_key"]),
            event=str(event["event"]),
            create_time=int(event["create_time"]),
            user_openid=str(event.get("user_openid", "")),
            content=parsed if isinstance(parsed, dict) else {},
            raw=event,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidSignature("the signed body is not a TikTok event") from None
