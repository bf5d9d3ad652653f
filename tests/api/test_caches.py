"""Caches never outlive a change: two workers of one machine share a file signal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PUBLIC_URL, World
from tokstack.clock import FrozenClock
from tokstack.config import Settings
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[list[tuple[Container, httpx.AsyncClient]]]:
    settings = Settings(
        data_dir=tmp_path, secret_key="k" * 40, public_url=PUBLIC_URL, _env_file=None
    )  # type: ignore[call-arg]
    migrate.upgrade(settings.resolved_database_url)
    made = []
    for _ in range(2):
        container = build(settings, FrozenClock())
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container)), base_url=PUBLIC_URL
        )
        made.append((container, client))
    yield made
    for container, client in made:
        await client.aclose()
        await container.close()


async def test_revocation_in_one_worker_is_seen_by_the_other(
    workers: list[tuple[Container, httpx.AsyncClient]],
) -> None:
    (a, client_a), (b, client_b) = workers
    world = World(a.ctx)
    dev = await world.developer()
    app = await world.app(dev)
    await world.user("alice")
    token = await world.token(app.app.client_key, "alice", "user.info.basic")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client_b.get("/v2/user/info/?fields=open_id", headers=headers)).status_code == 200
    assert (
        b.ctx.access_cache is not None
        and b.ctx.access_cache.get(b.ctx.hasher.digest(token["access_token"])) is not None
    )  # B has it cached
    revoked = await client_a.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": app.app.client_key,
            "client_secret": app.client_secret,
            "token": token["access_token"],
        },
    )
    assert revoked.status_code == 200
    assert (await client_b.get("/v2/user/info/?fields=open_id", headers=headers)).status_code == 401


async def test_secret_rotation_in_one_worker_is_seen_by_the_other(
    workers: list[tuple[Container, httpx.AsyncClient]],
) -> None:
    from tokstack.services import portal

    (a, _), (_, client_b) = workers
    world = World(a.ctx)
    dev = await world.developer()
    app = await world.app(dev)
    form = {"client_key": app.app.client_key, "grant_type": "client_credentials"}
    ok = await client_b.post("/v2/oauth/token/", data={**form, "client_secret": app.client_secret})
    assert ok.status_code == 200  # B now caches the app
    new = await portal.rotate_secret(a.ctx, dev, app.app.client_key)
    old = await client_b.post("/v2/oauth/token/", data={**form, "client_secret": app.client_secret})
    assert old.status_code == 401
    assert (
        await client_b.post("/v2/oauth/token/", data={**form, "client_secret": new})
    ).status_code == 200
