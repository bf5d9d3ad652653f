"""The code flow with PKCE driven by an independent OAuth 2 client: Authlib's httpx client,
configured for TikTok's dialect (``client_key`` instead of ``client_id``, credentials in the
body), the way integrators configure it."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_qs
from authlib.integrations.httpx_client import AsyncOAuth2Client

from tests.api.oauth_helpers import REDIRECT, Flow, query_of
from tests.conftest import PUBLIC_URL, World

SCOPES = "user.info.basic,user.info.profile"


def tiktok_client_auth(auth: Any, method: str, uri: str, headers: Any, body: str) -> Any:
    body = add_params_to_qs(
        body or "", [("client_key", auth.client_id), ("client_secret", auth.client_secret)]
    )
    return uri, headers, body


@pytest.fixture
async def app(world: World) -> dict[str, str]:
    dev = await world.developer()
    created = await world.app(dev, SCOPES, redirect_uris=[REDIRECT])
    await world.user("alice", password="alice-password")
    return {"key": created.app.client_key, "secret": created.client_secret}


def oauth_client(client: httpx.AsyncClient, app: dict[str, str]) -> AsyncOAuth2Client:
    session = AsyncOAuth2Client(
        client_id=app["key"],
        client_secret=app["secret"],
        scope=SCOPES,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_tiktok",
        transport=client._transport,
        base_url=PUBLIC_URL,
    )
    session.register_client_auth_method(("client_secret_tiktok", tiktok_client_auth))
    return session


async def browser_code(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The user's part: follow the authorization URL, log in, approve."""
    flow = Flow(client)
    response = await client.get(url)
    assert response.status_code == 303, response.text
    response = await flow.login(response.headers["location"])
    response = await flow.consent(response.headers["location"], None)
    assert response.status_code == 302
    return query_of(response.headers["location"])


async def test_authlib_rfc7636_base64url_challenge(
    client: httpx.AsyncClient, app: dict[str, str]
) -> None:
    async with oauth_client(client, app) as session:
        verifier = generate_token(64)
        url, state = session.create_authorization_url(
            f"{PUBLIC_URL}/v2/auth/authorize/", code_verifier=verifier, client_key=app["key"]
        )
        assert "code_challenge_method=S256" in url
        query = await browser_code(client, url)
        assert query["state"] == state
        token = await session.fetch_token(
            f"{PUBLIC_URL}/v2/oauth/token/",
            code=query["code"],
            code_verifier=verifier,
            grant_type="authorization_code",
        )
        assert token["token_type"] == "Bearer" and token["scope"] == SCOPES
        me = await session.get(f"{PUBLIC_URL}/v2/user/info/", params={"fields": "open_id,username"})
        assert me.json()["data"]["user"] == {"open_id": token["open_id"], "username": "alice"}
        refreshed = await session.refresh_token(f"{PUBLIC_URL}/v2/oauth/token/")
        assert refreshed["access_token"] != token["access_token"]


async def test_authlib_with_tiktoks_hex_challenge(
    client: httpx.AsyncClient, app: dict[str, str]
) -> None:
    async with oauth_client(client, app) as session:
        verifier = generate_token(43)
        challenge = hashlib.sha256(verifier.encode()).hexdigest()
        # as TikTok's mobile SDKs do: a hex challenge and no code_challenge_method
        session.code_challenge_method = None
        url, _ = session.create_authorization_url(
            f"{PUBLIC_URL}/v2/auth/authorize/", client_key=app["key"], code_challenge=challenge
        )
        assert "code_challenge_method" not in url
        query = await browser_code(client, url)
        token = await session.fetch_token(
            f"{PUBLIC_URL}/v2/oauth/token/",
            code=query["code"],
            code_verifier=verifier,
            grant_type="authorization_code",
        )
        me = await session.get(f"{PUBLIC_URL}/v2/user/info/", params={"fields": "open_id"})
        assert me.status_code == 200 and me.json()["data"]["user"]["open_id"] == token["open_id"]
