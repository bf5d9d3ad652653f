"""The `2026` compatibility profile: short access tokens, rotated refresh tokens."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.oauth_helpers import REDIRECT, Flow
from tests.api.test_login_kit import SCOPES, auth_params, exchange, oauth_error, user_info
from tests.conftest import PUBLIC_URL, World
from tokstack.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key="k" * 40,
        public_url=PUBLIC_URL,
        profile="2026",
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
async def web(world: World) -> dict[str, str]:
    dev = await world.developer()
    app = await world.app(dev, SCOPES, redirect_uris=[REDIRECT])
    await world.user("alice", password="alice-password")
    return {"key": app.app.client_key, "secret": app.client_secret}


async def refresh(flow: Flow, web: dict[str, str], token: str) -> httpx.Response:
    return await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=token,
    )


async def test_lifetimes(client: httpx.AsyncClient, web: dict[str, str]) -> None:
    flow = Flow(client)
    body = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    assert body["expires_in"] == 7200 and body["refresh_expires_in"] == 180 * 86400


async def test_refresh_rotates_and_reuse_revokes_the_grant(
    client: httpx.AsyncClient, web: dict[str, str]
) -> None:
    flow = Flow(client)
    first = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    second = (await refresh(flow, web, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["refresh_expires_in"] == first["refresh_expires_in"]  # from first issue
    assert (await user_info(client, second["access_token"], "open_id")).status_code == 200
    # the rotated-away token is replayed: refused, and the whole authorization is revoked
    oauth_error(await refresh(flow, web, first["refresh_token"]), 400, "invalid_grant")
    assert (await user_info(client, second["access_token"], "open_id")).status_code == 401
    oauth_error(await refresh(flow, web, second["refresh_token"]), 400, "invalid_grant")


async def test_revoked_refresh_token_is_refused(
    client: httpx.AsyncClient, web: dict[str, str]
) -> None:
    flow = Flow(client)
    first = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": web["key"],
            "client_secret": web["secret"],
            "token": first["access_token"],
        },
    )
    oauth_error(await refresh(flow, web, first["refresh_token"]), 400, "invalid_grant")
