"""The client's Login Kit calls against a real tokstack (the plugin's session server)."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tokstack.client import AccessTokenInvalid, AsyncTikTok, TikTok, TokenSet
from tokstack.testing.handle import Tokstack


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_authorize_url_carries_pkce_s256_and_a_state(tokstack: Tokstack) -> None:
    app = tokstack.app()
    with tokstack.client(app) as tiktok:
        started = tiktok.authorize_url(
            app.redirect_uris[0], ["user.info.basic", "user.info.profile"]
        )
        again = tiktok.authorize_url(app.redirect_uris[0], "user.info.basic", "mine", pkce=False)
    assert started.url.startswith(f"{tokstack.url}/v2/auth/authorize/?")
    asked = query(started.url)
    assert asked["client_key"] == app.client_key and asked["response_type"] == "code"
    assert asked["scope"] == "user.info.basic,user.info.profile"
    assert asked["redirect_uri"] == app.redirect_uris[0] and asked["state"] == started.state
    assert started.code_verifier is not None and 43 <= len(started.code_verifier) <= 128
    digest = hashlib.sha256(started.code_verifier.encode()).digest()
    assert asked["code_challenge"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert asked["code_challenge_method"] == "S256" and len(started.state) >= 16
    assert again.state == "mine" and again.code_verifier is None
    assert "code_challenge" not in query(again.url)


def test_real_tiktok_by_default() -> None:
    with TikTok("awkey", "secret") as tiktok:
        started = tiktok.authorize_url("https://app.example/cb/", ["user.info.basic"])
        assert started.url.startswith("https://www.tiktok.com/v2/auth/authorize/?")
        assert tiktok.endpoints.api == "https://open.tiktokapis.com"
        assert "secret" not in repr(tiktok)


def test_code_exchange_refresh_revoke_and_client_token(tokstack: Tokstack) -> None:
    app, user = tokstack.app(), tokstack.user()
    with tokstack.client(app) as tiktok:
        started = tiktok.authorize_url(app.redirect_uris[0], ["user.info.basic"])
        code = tokstack.authorize(
            app, user, ["user.info.basic", "user.info.profile"], state=started.state,
            code_challenge=started.code_challenge,
        )  # fmt: skip
        before = time.time()
        tokens = tiktok.exchange_code(code, app.redirect_uris[0], started.code_verifier)
        assert isinstance(tokens, TokenSet) and tokens.token_type == "Bearer"
        assert tokens.scope == ("user.info.basic", "user.info.profile")
        assert tokens.access_token.startswith("act.") and tokens.refresh_token.startswith("rft.")
        assert tokens.open_id == user.open_id(app) and tokens.has_scope("user.info.profile")
        assert before + tokens.expires_in <= tokens.expires_at <= time.time() + tokens.expires_in
        assert tokens.refresh_expires_at - tokens.expires_at == (
            tokens.refresh_expires_in - tokens.expires_in
        )
        assert not tokens.expired()
        renewed = tiktok.refresh(tokens.refresh_token)
        assert renewed.access_token != tokens.access_token and renewed.open_id == tokens.open_id
        assert tiktok.user_info(renewed.access_token).open_id == tokens.open_id
        tiktok.revoke(renewed.access_token)
        with pytest.raises(AccessTokenInvalid) as gone:
            tiktok.user_info(renewed.access_token)
        assert gone.value.status == 401 and gone.value.log_id
        clt = tiktok.client_token()
    assert clt.access_token.startswith("clt.") and clt.expires_in == 7200
    assert clt.expires_at > time.time() + 7000


async def test_the_async_client_does_the_same(tokstack: Tokstack) -> None:
    app, user = tokstack.app(), tokstack.user("quinn", "Quinn", followers=5)
    async with tokstack.async_client(app) as tiktok:
        started = tiktok.authorize_url(app.redirect_uris[0], "user.info.basic,user.info.stats")
        code = tokstack.authorize(
            app, user, ["user.info.basic", "user.info.stats"], state=started.state,
            code_challenge=started.code_challenge,
        )  # fmt: skip
        tokens = await tiktok.exchange_code(code, app.redirect_uris[0], started.code_verifier)
        found = await tiktok.user_info(
            tokens.access_token, fields=["display_name", "follower_count"]
        )
        assert (found.display_name, found.follower_count, found.open_id) == ("Quinn", 5, None)
        renewed = await tiktok.refresh(tokens.refresh_token)
        await tiktok.revoke(renewed.access_token)
        with pytest.raises(AccessTokenInvalid):
            await tiktok.user_info(renewed.access_token)
        assert (await tiktok.client_token()).access_token.startswith("clt.")


def test_every_user_field(tokstack: Tokstack) -> None:
    from tokstack.client import USER_FIELDS

    app = tokstack.app()
    user = tokstack.user("rosa", "Rosa", bio="bio", verified=True, followers=1, following=2,
                         likes=3, videos=4)  # fmt: skip
    tokens = tokstack.token(app, user, ["user.info.basic", "user.info.profile", "user.info.stats"])
    with tokstack.client(app) as tiktok:
        found = tiktok.user_info(tokens.access_token, fields=USER_FIELDS)
    assert all(getattr(found, name) is not None for name in USER_FIELDS)
    assert (found.following_count, found.likes_count, found.video_count) == (2, 3, 4)
    assert found.username == "rosa" and found.is_verified is True
    assert found.raw["display_name"] == "Rosa"


def test_your_own_http_client_is_left_open(tokstack: Tokstack) -> None:
    import httpx

    app = tokstack.app()
    with httpx.Client() as own:
        with TikTok(
            app.client_key, app.client_secret, base_url=tokstack.url + "/", http_client=own
        ) as tiktok:
            assert tiktok.client_token().access_token.startswith("clt.")
        assert not own.is_closed


async def test_an_async_client_closes_what_it_made(tokstack: Tokstack) -> None:
    app = tokstack.app()
    tiktok = AsyncTikTok(app.client_key, app.client_secret, base_url=tokstack.url)
    await tiktok.client_token()
    await tiktok.aclose()
    assert tiktok._http.is_closed
