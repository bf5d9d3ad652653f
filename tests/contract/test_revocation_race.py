"""Revocation wins every race: refreshes and code exchanges racing ``/v2/oauth/revoke/``.

Two nodes share one database (and Redis on PostgreSQL). Each trial mints fresh pairs and
codes for one authorization, then fires refreshes, code exchanges and one revoke at once.
After the revoke has answered, no token minted before, during or after the race may work,
also once the user grants the app again (a new authorization of the same row).
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services import REDIS_URL
from tokstack.config import Settings
from tokstack.oauth import codes
from tokstack.oauth.authorize import AuthorizeRequest
from tokstack.services import accounts
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

REDIRECT = "https://app.example/cb/"
BASE = "http://tokstack.test"
TRIALS = 12
RACERS = 10  # refreshes, and as many code exchanges
BASIC = ["user.info.basic"]


@pytest.fixture(
    params=[
        ("sqlite", "classic"),
        ("sqlite", "2026"),
        ("postgres", "classic"),
        ("postgres", "2026"),
    ],
    ids=lambda p: "-".join(p),
)
async def nodes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[list[tuple[Container, httpx.AsyncClient]]]:
    backend, profile = request.param
    extra: dict[str, Any] = {}
    if backend == "postgres":
        extra = {"database_url": request.getfixturevalue("postgres_url"), "redis_url": REDIS_URL}
        extra["redis_prefix"] = f"race-{secrets.token_hex(4)}:"
    settings = Settings(
        data_dir=tmp_path,
        secret_key=secrets.token_urlsafe(40),
        public_url=BASE,
        profile=profile,
        webhooks=False,
        token_rate_limit_per_minute=100_000,
        rate_limit_per_minute=100_000,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )
    migrate.upgrade(settings.resolved_database_url)
    made = []
    for _ in range(2):
        container = build(settings)
        await container.start()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container)), base_url=BASE
        )
        made.append((container, client))
    yield made
    for container, client in made:
        await client.aclose()
        await container.close()


async def web_app(ctx: Any, name: str) -> accounts.NewApp:
    dev = await accounts.create_developer(ctx, f"{name} Dev")
    return await accounts.create_app(
        ctx,
        developer_id=dev.id,
        name=name,
        platform="web",
        redirect_uri_list=[REDIRECT],
        scope_list=["user.info.basic"],
    )


async def user_info(client: httpx.AsyncClient, access: str) -> int:
    response = await client.get(
        "/v2/user/info/",
        params={"fields": "open_id"},
        headers={"Authorization": f"Bearer {access}"},
    )
    return response.status_code


async def test_no_token_outlives_a_revoke(nodes: list[tuple[Container, httpx.AsyncClient]]) -> None:
    ctx = nodes[0][0].ctx
    made = await web_app(ctx, "Race App")
    key, secret = made.app.client_key, made.client_secret
    username = f"racer{secrets.token_hex(3)}"
    user = await accounts.create_user(ctx, username=username, display_name="Racer")
    clients = [client for _, client in nodes]
    rng = random.Random(7)
    minted: list[dict[str, Any]] = []  # every pair any request answered with, all trials
    won = 0

    async def refresh(client: httpx.AsyncClient, token: str) -> None:
        await asyncio.sleep(rng.random() * 0.004)
        answer = await client.post(
            "/v2/oauth/token/",
            data={
                "client_key": key,
                "client_secret": secret,
                "grant_type": "refresh_token",
                "refresh_token": token,
            },
        )
        if answer.status_code == 200:
            minted.append(answer.json())

    async def exchange(client: httpx.AsyncClient, code: str) -> None:
        await asyncio.sleep(rng.random() * 0.004)
        answer = await client.post(
            "/v2/oauth/token/",
            data={
                "client_key": key,
                "client_secret": secret,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
            },
        )
        if answer.status_code == 200:
            minted.append(answer.json())

    for _ in range(TRIALS):
        pairs = [
            await issue_for_user(ctx, client_key=key, username=username, requested=BASIC)
            for _ in range(RACERS)
        ]
        minted.extend(pairs)
        for client in clients:  # warm both nodes' caches with the token being revoked
            assert await user_info(client, pairs[0]["access_token"]) == 200
        request = AuthorizeRequest(
            id="r",
            csrf="c",
            app_id=made.app.id,
            client_key=key,
            app_name="Race App",
            platform="web",
            redirect_uri=REDIRECT,
            scopes=("user.info.basic",),
            state=None,
            code_challenge=None,
            auto_auth=False,
        )
        issued = [
            await codes.issue(ctx, request, user, ("user.info.basic",)) for _ in range(RACERS)
        ]

        async def revoke(token: str) -> None:
            await asyncio.sleep(rng.random() * 0.004)
            answer = await rng.choice(clients).post(
                "/v2/oauth/revoke/",
                data={"client_key": key, "client_secret": secret, "token": token},
            )
            assert answer.status_code == 200

        before = len(minted)
        racers = [refresh(rng.choice(clients), pair["refresh_token"]) for pair in pairs]
        racers += [exchange(rng.choice(clients), code.code) for code in issued]
        await asyncio.gather(revoke(pairs[0]["access_token"]), *racers)
        won += len(minted) - before

    # The user grants the app again: the row of the revoked authorization comes back to life,
    # but no token minted under its earlier grants may.
    await issue_for_user(ctx, client_key=key, username=username, requested=["user.info.basic"])
    survivors = [
        pair["access_token"]
        for pair in minted
        for client in clients
        if await user_info(client, pair["access_token"]) == 200
    ]
    refreshable = []
    for pair in {p["refresh_token"] for p in minted}:
        answer = await clients[0].post(
            "/v2/oauth/token/",
            data={
                "client_key": key,
                "client_secret": secret,
                "grant_type": "refresh_token",
                "refresh_token": pair,
            },
        )
        if answer.status_code == 200:
            refreshable.append(pair)
    assert won > 0, "no request minted during the race: the race did not happen"
    assert survivors == []
    assert refreshable == []


async def test_a_replayed_code_leaves_no_token_alive(
    nodes: list[tuple[Container, httpx.AsyncClient]],
) -> None:
    """The same code sent twice at once: whatever the first use minted ends up revoked."""
    ctx = nodes[0][0].ctx
    made = await web_app(ctx, "Replay App")
    user = await accounts.create_user(
        ctx, username=f"replay{secrets.token_hex(3)}", display_name="Replay"
    )
    clients = [client for _, client in nodes]
    form = {
        "client_key": made.app.client_key,
        "client_secret": made.client_secret,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
    }
    request = AuthorizeRequest(
        id="r",
        csrf="c",
        app_id=made.app.id,
        client_key=made.app.client_key,
        app_name="Replay App",
        platform="web",
        redirect_uri=REDIRECT,
        scopes=("user.info.basic",),
        state=None,
        code_challenge=None,
        auto_auth=False,
    )
    winners = []
    for _ in range(TRIALS * 2):
        code = (await codes.issue(ctx, request, user, ("user.info.basic",))).code
        answers = await asyncio.gather(
            *(client.post("/v2/oauth/token/", data={**form, "code": code}) for client in clients)
        )
        assert sorted(a.status_code for a in answers) in ([200, 400], [400, 400])
        winners += [a.json()["access_token"] for a in answers if a.status_code == 200]
    # winners may be empty: a first use that sees the replay refuses its own tokens too
    alive = [token for token in winners if await user_info(clients[0], token) == 200]
    assert alive == []
