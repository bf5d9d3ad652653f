"""Two tokstack nodes sharing PostgreSQL and Redis, as behind a load balancer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.oauth_helpers import Flow
from tests.e2e.nodes import free_port, shared_backends, tokstack_node
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.web.container import build

REDIRECT = "https://app.example/cb/"
SCOPES = "user.info.basic,user.info.profile"
RATE_LIMIT = 6


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with shared_backends() as env:
        yield {**env, "TOKSTACK_DATA_DIR": str(tmp_path_factory.mktemp("nodes"))}


@pytest.fixture(scope="module")
def app(shared: dict[str, str]) -> dict[str, str]:
    return asyncio.run(seed(shared))


async def seed(shared: dict[str, str]) -> dict[str, str]:
    settings = Settings(
        database_url=shared["TOKSTACK_DATABASE_URL"],
        secret_key=shared["TOKSTACK_SECRET_KEY"],
        data_dir=Path(shared["TOKSTACK_DATA_DIR"]),
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build(settings)
    try:
        ctx = container.ctx
        dev = await accounts.create_developer(ctx, "Scale Dev")
        created = await accounts.create_app(
            ctx,
            developer_id=dev.id,
            name="Scale App",
            platform="web",
            redirect_uri_list=[REDIRECT],
            scope_list=SCOPES.split(","),
        )
        limited = await accounts.create_app(
            ctx,
            developer_id=dev.id,
            name="Limited App",
            platform="web",
            redirect_uri_list=[REDIRECT],
            scope_list=SCOPES.split(","),
        )
        await accounts.create_user(
            ctx, username="alice", display_name="Alice", password="alice-password"
        )
        async with ctx.store.unit() as unit:
            await unit.apps.update(limited.app.id, rate_limit_per_minute=RATE_LIMIT)
    finally:
        await container.close()
    return {
        "key": created.app.client_key,
        "secret": created.client_secret,
        "limited_key": limited.app.client_key,
        "limited_secret": limited.client_secret,
    }


@pytest.fixture(scope="module")
def nodes(shared: dict[str, str], app: dict[str, str]) -> Iterator[tuple[str, str]]:
    with tokstack_node(shared, free_port()) as a, tokstack_node(shared, free_port()) as b:
        yield a, b


@pytest.fixture
async def clients(nodes: tuple[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    async with httpx.AsyncClient(base_url=nodes[0]) as a, httpx.AsyncClient(base_url=nodes[1]) as b:
        yield a, b


async def tokens_via(
    a: httpx.AsyncClient, b: httpx.AsyncClient, app: dict[str, str]
) -> dict[str, Any]:
    """Authorize on node A (login, consent, code), exchange the code on node B."""
    query = await Flow(a).code(
        client_key=app["key"],
        scope=SCOPES,
        redirect_uri=REDIRECT,
        response_type="code",
        state="scale",
    )
    response = await b.post(
        "/v2/oauth/token/",
        data={
            "client_key": app["key"],
            "client_secret": app["secret"],
            "code": query["code"],
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_code_from_a_exchanged_and_refreshed_on_b_revoked_on_a(
    clients: tuple[httpx.AsyncClient, ...], app: dict[str, str]
) -> None:
    a, b = clients
    pair = await tokens_via(a, b, app)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    refreshed = await b.post(
        "/v2/oauth/token/",
        data={
            "client_key": app["key"],
            "client_secret": app["secret"],
            "grant_type": "refresh_token",
            "refresh_token": pair["refresh_token"],
        },
    )
    assert refreshed.status_code == 200
    # warm node B's cache, then revoke on node A
    assert (await b.get("/v2/user/info/?fields=open_id", headers=headers)).status_code == 200
    revoked = await a.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": app["key"],
            "client_secret": app["secret"],
            "token": pair["access_token"],
        },
    )
    assert revoked.status_code == 200
    started = time.monotonic()
    while True:
        status = (await b.get("/v2/user/info/?fields=open_id", headers=headers)).status_code
        elapsed = time.monotonic() - started
        if status == 401:
            break
        assert status == 200 and elapsed < 1.0, f"still {status} after {elapsed:.3f}s"
    assert elapsed < 1.0
    print(f"revocation on A refused on B after {elapsed * 1000:.1f} ms")


async def test_rate_limit_is_counted_across_nodes(
    clients: tuple[httpx.AsyncClient, ...], app: dict[str, str]
) -> None:
    a, b = clients
    limited = {"key": app["limited_key"], "secret": app["limited_secret"]}
    pair = await tokens_via(a, b, limited)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    for i in range(RATE_LIMIT):
        node = (a, b)[i % 2]
        response = await node.get("/v2/user/info/?fields=open_id", headers=headers)
        assert response.status_code == 200, f"request {i + 1} refused"
    for node in (a, b):
        refused = await node.get("/v2/user/info/?fields=open_id", headers=headers)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"
        assert int(refused.headers["Retry-After"]) >= 1


async def test_readiness_and_metrics(clients: tuple[httpx.AsyncClient, ...]) -> None:
    for node in clients:
        ready = await node.get("/readyz")
        assert ready.json() == {"database": "up", "redis": "up", "status": "ok"}
        metrics = (await node.get("/metrics")).text
        assert "tokstack_http_requests_total" in metrics
        assert "tokstack_webhook_backlog" in metrics
