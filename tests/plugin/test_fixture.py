"""The ``tokstack`` fixture's handle, used the way an integrator's test would use it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from pathlib import Path

import pytest
from PIL import Image

from tokstack.client import (
    AccessTokenInvalid,
    InvalidGrant,
    InvalidScope,
    RateLimitExceeded,
    webhooks,
)
from tokstack.testing.handle import ControlError, Tokstack

SCOPES = ["user.info.basic", "user.info.profile", "user.info.stats"]


def test_an_app_whose_credentials_work(tokstack: Tokstack) -> None:
    app = tokstack.app(platform="web", scopes=SCOPES)
    assert app.client_key.startswith("aw") and len(app.client_key) == 16
    assert set(SCOPES) <= set(app.scopes)
    with tokstack.client(app) as client:
        issued = client.client_token()
    assert issued.access_token.startswith("clt.")
    with pytest.raises(ControlError) as twice:
        tokstack.app(name=app.name)
    assert twice.value.status == 409


def test_a_user_with_a_profile_seen_through_user_info(tokstack: Tokstack, tmp_path: Path) -> None:
    app = tokstack.app()
    avatar = tmp_path / "erin.png"
    Image.new("RGB", (64, 64), "teal").save(avatar)
    profile = {"bio": "Plays the tuba", "verified": True, "followers": 12, "likes": 3}
    profile["avatar"] = avatar
    user = tokstack.user("erin", "Erin Example", **profile)
    tokens = tokstack.token(app, user, SCOPES)
    assert tokens.scope == tuple(SCOPES) and tokens.open_id == user.open_id(app)
    with tokstack.client(app) as client:
        found = client.user_info(
            tokens.access_token,
            fields=["display_name", "bio_description", "is_verified", "follower_count",
                    "likes_count", "username", "avatar_url"],
        )  # fmt: skip
    assert (found.display_name, found.bio_description, found.is_verified) == (
        "Erin Example", "Plays the tuba", True,
    )  # fmt: skip
    assert (found.follower_count, found.likes_count, found.username) == (12, 3, "erin")
    assert found.avatar_url and found.avatar_url.startswith(tokstack.url)


def test_authorize_gives_the_code_of_the_redirect(tokstack: Tokstack) -> None:
    app = tokstack.app()
    user = tokstack.user()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    code = tokstack.authorize(
        app, user, ["user.info.basic"], state="xyz", code_challenge=challenge.decode().rstrip("=")
    )
    with tokstack.client(app) as client:
        tokens = client.exchange_code(code, app.redirect_uris[0], code_verifier=verifier)
        assert tokens.scope == ("user.info.basic",)
        with pytest.raises(InvalidGrant):  # a code is good once
            client.exchange_code(code, app.redirect_uris[0], code_verifier=verifier)
    with pytest.raises(InvalidScope):
        tokstack.authorize(app, user, ["video.publish"])


def test_faults_and_their_hits(tokstack: Tokstack) -> None:
    app = tokstack.app()
    tokens = tokstack.token(app, tokstack.user(), "user.info.basic")
    rule = tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=9)
    with tokstack.client(app, retries=0) as client, pytest.raises(RateLimitExceeded) as busy:
        client.user_info(tokens.access_token)
    assert busy.value.retry_after == 9 and busy.value.status == 429
    assert [r["id"] for r in tokstack.faults.list()] == [rule["id"]]
    assert tokstack.faults.list()[0]["hits"] == 1
    assert tokstack.faults.clear() == 1 and tokstack.faults.list() == []


def test_the_clock_expires_tokens(tokstack: Tokstack) -> None:
    app = tokstack.app()
    tokens = tokstack.token(app, tokstack.user(), "user.info.basic")
    before = tokstack.clock.now
    assert tokstack.clock.advance(86400 + 1) >= before + 86401
    with tokstack.client(app) as client:
        with pytest.raises(AccessTokenInvalid):
            client.user_info(tokens.access_token)
        assert client.refresh(tokens.refresh_token).access_token != tokens.access_token
    assert tokstack.clock.set(before) == before


def test_the_journal_and_the_webhooks(tokstack: Tokstack) -> None:
    app = tokstack.app(webhook_url="https://hooks.example/tiktok")
    user = tokstack.user()
    tokens = tokstack.token(app, user, "user.info.basic")
    with tokstack.client(app) as client:
        client.user_info(tokens.access_token)
    seen = tokstack.requests(endpoint="user.info")
    assert len(seen) == 1 and seen[0]["status"] == 200 and seen[0]["client_key"] == app.client_key
    tokstack.trigger(app, user, reason=4)
    (event,) = tokstack.webhooks()
    sent = json.dumps(event["body"], separators=(",", ":"), ensure_ascii=False)  # as sent
    verified = webhooks.verify(
        app.client_secret, event["headers"]["TikTok-Signature"], sent, now=tokstack.clock.now
    )
    assert verified.event == "authorization.removed" and verified.user_openid == user.open_id(app)
    assert verified.content == {"reason": 4}
