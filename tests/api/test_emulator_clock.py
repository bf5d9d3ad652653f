"""The emulated clock: moving time makes codes, tokens and avatar URLs expire at once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
INFO = "/v2/user/info/?fields=open_id,avatar_url"


@pytest.fixture
def world(emu: httpx.AsyncClient, alice_tokens: dict[str, Any]) -> dict[str, Any]:
    return {"client": emu, "tokens": alice_tokens}


async def clock(client: httpx.AsyncClient, **change: Any) -> dict[str, Any]:
    response = await client.post("/_tokstack/clock", json=change)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_advancing_past_the_access_token_expires_it_but_not_the_refresh(
    world: dict[str, Any],
) -> None:
    client, tokens = world["client"], world["tokens"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    answer = await client.get(INFO, headers=bearer)
    assert answer.status_code == 200
    avatar = answer.json()["data"]["user"]["avatar_url"]
    assert (await client.get(avatar)).status_code == 200
    moved = await clock(client, advance=tokens["expires_in"] + 1)
    assert moved["offset"] >= tokens["expires_in"] and moved["frozen"] is False
    expired = await client.get(INFO, headers=bearer)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "access_token_invalid"
    refreshed = await client.post(
        "/v2/oauth/token/",
        data={"client_key": KEY, "client_secret": SECRET, "grant_type": "refresh_token",
              "refresh_token": tokens["refresh_token"]},
    )  # fmt: skip
    assert refreshed.status_code == 200
    await clock(client, advance=3 * 86_400)  # the signed avatar URL lives 2 days
    assert (await client.get(avatar)).status_code == 403


async def test_freeze_set_and_reset(world: dict[str, Any]) -> None:
    client = world["client"]
    frozen = await clock(client, freeze=True)
    assert frozen["frozen"] is True
    await asyncio.sleep(1.1)
    shown = (await client.get("/_tokstack/clock")).json()
    assert shown["now"] == frozen["now"]
    assert (await clock(client, set=2_000_000_000))["now"] == 2_000_000_000
    assert (await clock(client, advance=60))["now"] == 2_000_000_060
    thawed = await clock(client, freeze=False)
    assert thawed["frozen"] is False and thawed["now"] >= 2_000_000_060
    back = await clock(client, reset=True)
    assert back["offset"] == 0 and abs(back["now"] - time.time()) < 5


@pytest.mark.parametrize(
    "change",
    [{}, {"advance": "1"}, {"advance": 1, "set": 2}, {"freeze": "yes"}, {"reset": False},
     {"rewind": 5}, {"advance": 10**12}, [1]],
)  # fmt: skip
async def test_bad_clock_changes_are_400(world: dict[str, Any], change: Any) -> None:
    response = await world["client"].post("/_tokstack/clock", json=change)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
