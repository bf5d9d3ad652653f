"""Redis and PostgreSQL going away and coming back while tokstack keeps running.

Each test starts its own server on a spare port, so the shared ones stay up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.nodes import OwnPostgres, OwnRedis, own_postgres, own_redis
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

REDIRECT = "https://app.example/cb/"


async def seeded(container: Container) -> dict[str, Any]:
    ctx = container.ctx
    dev = await accounts.create_developer(ctx, "Fault Dev")
    app = await accounts.create_app(
        ctx, developer_id=dev.id, name="Fault App", platform="web", redirect_uri_list=[REDIRECT]
    )
    await accounts.create_user(
        ctx, username="alice", display_name="Alice", password="alice-password"
    )
    token = await issue_for_user(
        ctx, client_key=app.app.client_key, username="alice", requested=["user.info.basic"]
    )
    return {"key": app.app.client_key, "secret": app.client_secret, "token": token}


@pytest.fixture
async def redis_world(
    tmp_path: Path,
) -> AsyncIterator[tuple[OwnRedis, httpx.AsyncClient, dict[str, Any]]]:
    with own_redis() as server:
        settings = Settings(
            data_dir=tmp_path,
            secret_key=secrets.token_urlsafe(40),
            redis_url=server.url,
            redis_timeout=0.5,
            request_timeout=3,
            _env_file=None,
        )  # type: ignore[call-arg]
        migrate.upgrade(settings.resolved_database_url)
        container = build(settings)
        await container.start()
        data = await seeded(container)
        transport = httpx.ASGITransport(app=create_app(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield server, client, data
        await container.close()


def authorize_params(data: dict[str, Any]) -> dict[str, str]:
    return {
        "client_key": data["key"],
        "scope": "user.info.basic",
        "redirect_uri": REDIRECT,
        "response_type": "code",
    }


async def test_redis_outage_and_recovery(
    redis_world: tuple[OwnRedis, httpx.AsyncClient, dict[str, Any]],
) -> None:
    server, client, data = redis_world
    headers = {"Authorization": f"Bearer {data['token']['access_token']}"}
    assert (await client.get("/readyz")).status_code == 200
    assert (
        await client.get("/v2/auth/authorize/", params=authorize_params(data))
    ).status_code == 303

    server.stop()
    started = time.monotonic()
    page = await client.get("/v2/auth/authorize/", params=authorize_params(data))
    assert page.status_code == 503 and time.monotonic() - started < 3
    assert "temporarily unavailable" in page.text
    exchange = await client.post(
        "/v2/oauth/token/",
        data={
            "client_key": data["key"],
            "client_secret": data["secret"],
            "code": "x",
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
        },
    )
    assert exchange.status_code == 503
    assert exchange.json()["error"] == "temporarily_unavailable" and exchange.json()["log_id"]
    # rate limiting fails open (documented): the User Data API keeps answering from the DB
    assert (await client.get("/v2/user/info/?fields=open_id", headers=headers)).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["redis"] == "down"

    server.start()  # same port; tokstack is not restarted
    deadline = time.monotonic() + 15
    while (await client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, "did not recover"
        await asyncio.sleep(0.2)
    again = await client.get("/v2/auth/authorize/", params=authorize_params(data))
    assert again.status_code == 303


async def test_postgres_outage_while_requests_run(tmp_path: Path) -> None:
    with own_postgres() as server:
        await _postgres_outage(server, tmp_path)


async def _postgres_outage(server: OwnPostgres, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        secret_key=secrets.token_urlsafe(40),
        database_url=server.url,
        db_timeout=1,
        request_timeout=3,
        access_cache_ttl=0,
        _env_file=None,
    )  # type: ignore[call-arg]
    migrate.upgrade(server.url)
    container = build(settings)
    data = await seeded(container)
    transport = httpx.ASGITransport(app=create_app(container))
    results: list[tuple[int, float, str | None]] = []
    stop = asyncio.Event()

    async def load(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            started = time.monotonic()
            response = await client.post(
                "/v2/oauth/token/",
                data={
                    "client_key": data["key"],
                    "client_secret": data["secret"],
                    "grant_type": "client_credentials",
                },
            )
            token = response.json().get("access_token") if response.status_code == 200 else None
            results.append((response.status_code, time.monotonic() - started, token))
            await asyncio.sleep(0.02)

    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            runner = asyncio.create_task(load(client))
            await asyncio.sleep(0.5)
            server.stop()
            await asyncio.sleep(2)
            down = await client.get("/readyz")
            info = await client.get(
                "/v2/user/info/?fields=open_id",
                headers={"Authorization": f"Bearer {data['token']['access_token']}"},
            )
            server.start()
            deadline = time.monotonic() + 20
            while not (
                results
                and results[-1][0] == 200
                and len(results) > 5
                and any(s == 503 for s, _, _ in results)
            ):
                assert time.monotonic() < deadline, "service did not come back"
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)
            stop.set()
            await runner
            assert (await client.get("/readyz")).status_code == 200
    finally:
        await container.close()

    assert down.status_code == 503 and down.json()["database"] == "down"
    assert info.status_code == 503 and info.json()["error"]["code"] == "internal_error"
    statuses = {status for status, _, _ in results}
    assert statuses <= {200, 503}, statuses
    assert max(elapsed for _, elapsed, _ in results) < settings.request_budget + 1
    issued = [token for status, _, token in results if status == 200]
    # every token we were given is stored, exactly once (digests are the primary key)
    check = build(settings)
    try:
        async with check.ctx.store.unit() as unit:
            for token in issued:
                record = await unit.tokens.get(check.ctx.hasher.digest(str(token)))
                assert record is not None and record.kind == "client"
    finally:
        await check.close()


def _cluster_pids(server: OwnPostgres) -> list[int]:
    """The postmaster and every process it started."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            pids.append(int(stat.parent.name))
    return pids


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


async def _timed(call: Awaitable[httpx.Response]) -> tuple[int, float]:
    started = time.monotonic()
    response = await call
    return response.status_code, time.monotonic() - started


async def test_a_frozen_postgres_gets_503s_within_the_budget(tmp_path: Path) -> None:
    """The server accepts connections and never answers (SIGSTOP): every request, the
    user-info path included, ends within TOKSTACK_DB_TIMEOUT + 1 s; /readyz within its own."""
    with own_postgres() as server:
        settings = Settings(
            data_dir=tmp_path,
            secret_key=secrets.token_urlsafe(40),
            database_url=server.url,
            db_timeout=1,
            readiness_timeout=1,
            access_cache_ttl=0,  # every user-info request reads the database
            _env_file=None,
        )  # type: ignore[call-arg]
        migrate.upgrade(server.url)
        container = build(settings)
        data = await seeded(container)
        transport = httpx.ASGITransport(app=create_app(container))
        secret = {"client_key": data["key"], "client_secret": data["secret"]}
        headers = {"Authorization": f"Bearer {data['token']['access_token']}"}
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
                assert (
                    await client.get("/v2/user/info/?fields=open_id", headers=headers)
                ).is_success
                pids = _cluster_pids(server)  # every backend, pooled connections' included
                _signal_all(pids, signal.SIGSTOP)
                try:
                    answers = await asyncio.gather(
                        _timed(client.get("/v2/user/info/?fields=open_id", headers=headers)),
                        _timed(client.get("/v2/user/info/?fields=open_id", headers=headers)),
                        _timed(
                            client.post(
                                "/v2/oauth/token/",
                                data={
                                    **secret,
                                    "grant_type": "refresh_token",
                                    "refresh_token": data["token"]["refresh_token"],
                                },
                            )
                        ),
                        _timed(
                            client.post(
                                "/v2/oauth/token/",
                                data={**secret, "grant_type": "client_credentials"},
                            )
                        ),
                        _timed(
                            client.post(
                                "/v2/oauth/revoke/",
                                data={**secret, "token": data["token"]["access_token"]},
                            )
                        ),
                    )
                    ready = await _timed(client.get("/readyz"))
                finally:
                    _signal_all(pids, signal.SIGCONT)
                for status, elapsed in answers:
                    assert status == 503, answers
                    assert elapsed < settings.request_budget + 0.5, answers
                assert ready[0] == 503 and ready[1] < settings.readiness_timeout + 0.5
                deadline = time.monotonic() + 20
                while (await client.get("/readyz")).status_code != 200:
                    assert time.monotonic() < deadline, "did not recover"
                    await asyncio.sleep(0.2)
                info = await client.get("/v2/user/info/?fields=open_id", headers=headers)
                assert info.status_code == 200
        finally:
            await container.close()


async def _burst(client: httpx.AsyncClient, data: dict[str, Any], count: int) -> list[int]:
    headers = {"Authorization": f"Bearer {data['token']['access_token']}"}
    secret = {"client_key": data["key"], "client_secret": data["secret"]}
    calls = []
    for i in range(count):
        if i % 2:
            calls.append(client.get("/v2/user/info/?fields=open_id", headers=headers))
        else:
            calls.append(
                client.post("/v2/oauth/token/", data={**secret, "grant_type": "client_credentials"})
            )
    return [response.status_code for response in await asyncio.gather(*calls)]


async def test_no_request_fails_after_a_postgres_restart(tmp_path: Path) -> None:
    """Pooled connections die with the server; none of them may fail a later request."""
    with own_postgres() as server:
        settings = Settings(
            data_dir=tmp_path,
            secret_key=secrets.token_urlsafe(40),
            database_url=server.url,
            db_pool_size=4,
            access_cache_ttl=0,
            _env_file=None,
        )  # type: ignore[call-arg]
        migrate.upgrade(server.url)
        container = build(settings)
        data = await seeded(container)
        transport = httpx.ASGITransport(app=create_app(container))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
                assert set(await _burst(client, data, 40)) == {200}  # fills both pools
                server.stop()
                server.start()
                await asyncio.sleep(0.5)
                for _ in range(3):  # more requests than pooled connections, several times
                    assert set(await _burst(client, data, 40)) == {200}
        finally:
            await container.close()


async def test_no_request_fails_after_a_redis_restart(
    redis_world: tuple[OwnRedis, httpx.AsyncClient, dict[str, Any]],
) -> None:
    server, client, data = redis_world
    assert set(await _burst(client, data, 40)) == {200}
    server.stop()
    server.start()
    await asyncio.sleep(0.5)
    for _ in range(3):
        assert set(await _burst(client, data, 40)) == {200}
