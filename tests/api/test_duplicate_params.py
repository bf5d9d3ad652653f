"""One rule for a repeated parameter, everywhere: the first value wins."""

from __future__ import annotations

import httpx

from tests.api.oauth_helpers import REDIRECT, Flow, query_of
from tests.conftest import World


async def test_authorize_takes_the_first_of_repeated_parameters(
    client: httpx.AsyncClient, world: World
) -> None:
    dev = await world.developer()
    app = await world.app(dev, "user.info.basic,user.info.profile", redirect_uris=[REDIRECT])
    await world.user("alice", password="alice-password")
    flow = Flow(client)
    query = (
        f"client_key={app.app.client_key}&client_key=awsomeoneelse"
        f"&response_type=code&scope=user.info.basic&scope=user.info.profile"
        f"&redirect_uri={REDIRECT}&redirect_uri=https://evil.example/cb/"
        "&state=first&state=second"
    )
    start = await client.get(f"/v2/auth/authorize/?{query}")
    assert start.status_code == 303
    consent = await flow.login(start.headers["location"])
    done = await flow.consent(consent.headers["location"], None)
    assert done.headers["location"].startswith(REDIRECT)
    redirect = query_of(done.headers["location"])
    assert redirect["state"] == "first"
    assert redirect["scopes"] == "user.info.basic"


async def test_token_and_user_info_take_the_first_too(
    client: httpx.AsyncClient, world: World
) -> None:
    dev = await world.developer()
    app = await world.app(dev, "user.info.basic,user.info.profile")
    await world.user("alice", display_name="Alice")
    pair = await world.token(app.app.client_key, "alice", "user.info.basic")
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    info = await client.get("/v2/user/info/?fields=display_name&fields=open_id", headers=headers)
    assert list(info.json()["data"]["user"]) == ["display_name"]
    body = (
        f"client_key={app.app.client_key}&client_key=awnope&client_secret={app.client_secret}"
        "&client_secret=wrong&grant_type=client_credentials&grant_type=refresh_token"
    )
    token = await client.post(
        "/v2/oauth/token/",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert token.status_code == 200 and token.json()["access_token"].startswith("clt.")
