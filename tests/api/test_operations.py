"""Operations: metrics, JSON logs carrying log_id, rate limits on one node."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PUBLIC_URL, World
from tokstack.clock import FrozenClock
from tokstack.config import Settings
from tokstack.logs import JsonFormatter
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import build


async def test_metrics_count_requests_and_tokens(client: httpx.AsyncClient, world: World) -> None:
    dev = await world.developer()
    app = await world.app(dev)
    await client.post(
        "/v2/oauth/token/",
        data={
            "client_key": app.app.client_key,
            "client_secret": app.client_secret,
            "grant_type": "client_credentials",
        },
    )
    await client.get("/v2/user/info/?fields=open_id")
    text = (await client.get("/metrics")).text
    assert 'tokstack_http_requests_total{route="token",status="200"}' in text
    assert 'tokstack_http_requests_total{route="user_info",status="401"}' in text
    assert "tokstack_http_request_duration_seconds_bucket" in text
    assert 'tokstack_tokens_issued_total{kind="client"}' in text
    assert "tokstack_webhook_backlog 0.0" in text


async def test_every_log_line_of_a_request_carries_its_log_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get(
        "/v2/user/info/?fields=open_id", headers={"Authorization": "Bearer act.unknown"}
    )
    log_id = response.json()["error"]["log_id"]
    lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name.startswith("tokstack")
    ]
    assert lines and all(line["log_id"] == log_id for line in lines)
    assert lines[0]["level"] == "info" and "unknown access token" in lines[0]["message"]


@pytest.fixture
async def limited(tmp_path: Path) -> Any:
    settings = Settings(
        data_dir=tmp_path,
        secret_key="k" * 40,
        public_url=PUBLIC_URL,
        rate_limit_per_minute=3,
        token_rate_limit_per_minute=2,
        _env_file=None,
    )  # type: ignore[call-arg]
    migrate.upgrade(settings.resolved_database_url)
    container = build(settings, FrozenClock())
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http, World(container.ctx)
    await container.close()


async def test_rate_limits_on_one_node(limited: Any) -> None:
    client, world = limited
    dev = await world.developer()
    app = await world.app(dev)
    await world.user("alice")
    token = await world.token(app.app.client_key, "alice", "user.info.basic")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for _ in range(3):
        assert (
            await client.get("/v2/user/info/?fields=open_id", headers=headers)
        ).status_code == 200
    refused = await client.get("/v2/user/info/?fields=open_id", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.json()["data"] == {} and 1 <= int(refused.headers["Retry-After"]) <= 60
    form = {
        "client_key": app.app.client_key,
        "client_secret": app.client_secret,
        "grant_type": "client_credentials",
    }
    for _ in range(2):
        assert (await client.post("/v2/oauth/token/", data=form)).status_code == 200
    slow = await client.post("/v2/oauth/token/", data=form)
    assert slow.status_code == 429 and slow.json()["error"] == "rate_limit_exceeded"
    assert slow.headers["Retry-After"]
