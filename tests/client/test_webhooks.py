"""``webhooks.verify``: a delivery tokstack really made verifies; anything else is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tokstack.client import InvalidSignature, webhooks
from tokstack.testing.handle import Tokstack

BODY = json.dumps(
    {"client_key": "awk", "event": "authorization.removed", "create_time": 1700000000,
     "user_openid": "oid", "content": json.dumps({"reason": 1})},
    separators=(",", ":"),
)  # fmt: skip


def signed(secret: str, body: str, stamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},s={digest}"


def test_a_delivery_by_tokstack_verifies(tokstack: Tokstack) -> None:
    app = tokstack.app(webhook_url="https://hooks.example/tiktok")
    user = tokstack.user()
    tokstack.token(app, user, "user.info.basic")
    tokstack.trigger(app, user, reason=2)
    (queued,) = tokstack.webhooks()
    body = json.dumps(queued["body"], separators=(",", ":"), ensure_ascii=False)
    header = queued["headers"]["TikTok-Signature"]
    event = webhooks.verify(app.client_secret, header, body.encode(), now=tokstack.clock.now)
    assert (event.client_key, event.event, event.content) == (
        app.client_key, "authorization.removed", {"reason": 2},
    )  # fmt: skip
    with pytest.raises(InvalidSignature):
        webhooks.verify("not-the-secret", header, body, now=tokstack.clock.now)


def test_refusals() -> None:
    now = int(time.time())
    good = signed("secret", BODY, now)
    assert webhooks.verify("secret", good, BODY).user_openid == "oid"
    refused = [
        ("secret", good, BODY.replace("oid", "xid")),  # the body was changed
        ("other", good, BODY),  # another app's secret
        ("secret", signed("secret", BODY, now - 301), BODY),  # too old
        ("secret", signed("secret", BODY, now + 301), BODY),  # from the future
        ("secret", "", BODY),
        ("secret", "t=abc,s=00", BODY),
        ("secret", f"s={good.split('s=')[1]}", BODY),
        ("secret", signed("secret", "[1]", now), "[1]"),  # signed, but not an event
    ]
    for secret, header, body in refused:
        with pytest.raises(InvalidSignature):
            webhooks.verify(secret, header, body)
    stale = signed("secret", BODY, now - 1000)
    assert webhooks.verify("secret", stale, BODY, tolerance=1200).event == "authorization.removed"
