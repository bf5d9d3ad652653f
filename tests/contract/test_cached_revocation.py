"""A token another node has cached dies with its revocation, on every backend.

Two nodes (two containers, as two workers or two machines would be) share one database. Node B
caches the token by answering user info with it; node A revokes it; B must refuse it at once.
PostgreSQL without Redis used to keep B's cache for 30 s: nothing told B of the revocation.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services import REDIS_URL
from tokstack.config import Settings
from tokstack.services.demo import ensure_demo
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

BASE = "http://tokstack.test"
KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"


@pytest.fixture(params=["sqlite", "postgres", "postgres-without-redis"])
async def nodes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[list[tuple[Container, httpx.AsyncClient]]]:
    extra: dict[str, Any] = {}
    if request.param.startswith("postgres"):
        extra = {"database_url": request.getfixturevalue("postgres_url")}
    if request.param == "postgres":
        extra |= {"redis_url": REDIS_URL, "redis_prefix": f"cached-{secrets.token_hex(4)}:"}
    made = []
    for name in ("a", "b"):
        settings = Settings(
            # each node its own folder: on PostgreSQL they share nothing but the database
            data_dir=tmp_path / (name if request.param.startswith("postgres") else "shared"),
            secret_key="cached-revocation-secret-key-0123456789",
            public_url=BASE,
            demo=True,
            webhooks=False,
            _env_file=None,  # type: ignore[call-arg]
            **extra,
        )
        migrate.upgrade(settings.resolved_database_url)
        container = build(settings)
        await container.start()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container)), base_url=BASE
        )
        made.append((container, client))
    await ensure_demo(made[0][0].ctx)
    yield made
    for container, client in made:
        await client.aclose()
        await container.close()


async def test_a_revoke_on_one_node_ends_the_token_cached_on_another(
    nodes: list[tuple[Container, httpx.AsyncClient]],
) -> None:
    (a, on_a), (_, on_b) = nodes
    for _ in range(10):  # the pub/sub delivery is a race: many trials
        issued = await issue_for_user(
            a.ctx, client_key=KEY, username="alice", requested=["user.info.basic"]
        )
        bearer = {"Authorization": f"Bearer {issued['access_token']}"}
        info = "/v2/user/info/?fields=open_id"
        assert (await on_b.get(info, headers=bearer)).status_code == 200  # now cached on B
        revoked = await on_a.post(
            "/v2/oauth/revoke/",
            data={"client_key": KEY, "client_secret": SECRET, "token": issued["access_token"]},
        )
        assert revoked.status_code == 200
        assert (await on_b.get(info, headers=bearer)).status_code == 401
        assert (await on_a.get(info, headers=bearer)).status_code == 401
