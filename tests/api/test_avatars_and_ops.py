"""Avatar URLs as a client follows them; health, readiness, the OpenAPI document."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import World
from tokstack.clock import FrozenClock


@pytest.fixture
async def avatar_urls(world: World) -> dict[str, Any]:
    dev = await world.developer()
    app = await world.app(dev)
    await world.user("alice")
    token = await world.token(app.app.client_key, "alice", "user.info.basic")
    return {"token": token["access_token"]}


async def fetch_fields(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    response = await client.get(
        "/v2/user/info/?fields=avatar_url,avatar_url_100,avatar_large_url",
        headers={"Authorization": f"Bearer {token}"},
    )
    return dict(response.json()["data"]["user"])


async def test_each_avatar_url_serves_its_size(
    client: httpx.AsyncClient, avatar_urls: dict[str, Any]
) -> None:
    urls = await fetch_fields(client, avatar_urls["token"])
    for field, size in (("avatar_url_100", 100), ("avatar_url", 168), ("avatar_large_url", 1080)):
        response = await client.get(urls[field])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.content)).size == (size, size)


async def test_tampered_or_expired_avatar_url_is_403(
    client: httpx.AsyncClient, avatar_urls: dict[str, Any], clock: FrozenClock
) -> None:
    url = (await fetch_fields(client, avatar_urls["token"]))["avatar_url"]
    assert (await client.get(url.replace("168x168", "1080x1080"))).status_code == 403
    assert (await client.get(url.replace("x-expires=", "x-expires=9"))).status_code == 403
    assert (await client.get(url.split("&")[0])).status_code == 403
    clock.advance(3 * 86_400)
    assert (await client.get(url)).status_code == 403


@pytest.mark.parametrize("expires", ["%C2%B2", "%D9%A1%D9%A2", "9" * 5000, "-1", "1e9", ""])
async def test_malformed_avatar_expiry_is_403_not_500(
    client: httpx.AsyncClient, avatar_urls: dict[str, Any], expires: str
) -> None:
    url = (await fetch_fields(client, avatar_urls["token"]))["avatar_url"]
    path, query = url.split("?", 1)
    signature = query.split("&x-signature=")[1]
    response = await client.get(f"{path}?x-expires={expires}&x-signature={signature}")
    assert response.status_code == 403


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"
