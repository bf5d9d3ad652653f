"""TikTok Minis (silent and explicit login, code exchange) and the emulator's auto-consent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.api.oauth_helpers import Flow, query_of
from tests.api.test_login_kit import oauth_error, user_info
from tests.conftest import PUBLIC_URL, World
from tokstack.clock import FrozenClock
from tokstack.config import Settings
from tokstack.services.context import Context
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import build

CALLBACK = PUBLIC_URL + "/minis/callback/"


@pytest.fixture
async def mini(world: World) -> dict[str, str]:
    dev = await world.developer()
    app = await world.app(dev, "user.info.open_id", platform="mini", redirect_uris=[])
    await world.user("alice", password="alice-password")
    return {"key": app.app.client_key, "secret": app.client_secret}


async def test_explicit_authorization_and_exchange_without_redirect_or_verifier(
    client: httpx.AsyncClient, mini: dict[str, str]
) -> None:
    flow = Flow(client)
    query = await flow.code(
        client_key=mini["key"],
        scope="user.info.basic",
        redirect_uri=CALLBACK,
        response_type="code",
        state="m1",
    )
    assert query["scopes"] == "user.info.basic" and query["state"] == "m1"
    response = await flow.token(
        client_key=mini["key"],
        client_secret=mini["secret"],
        code=query["code"],
        grant_type="authorization_code",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "user.info.basic"
    ok = await user_info(client, body["access_token"], "open_id,display_name")
    assert ok.status_code == 200


async def test_silent_login_grants_open_id_only(
    client: httpx.AsyncClient, mini: dict[str, str]
) -> None:
    flow = Flow(client)
    # not logged in yet: the SDK is told to log in (it then opens the popup)
    refused = await client.post("/minis/login", json={"client_key": mini["key"]})
    assert refused.status_code == 401 and refused.json()["error"]["error_code"] == 10001
    # logging in through the silent popup flow shows no consent page
    query = await flow.code(
        client_key=mini["key"],
        scope="user.info.open_id",
        redirect_uri=CALLBACK,
        response_type="code",
    )
    assert query["scopes"] == "user.info.open_id"
    silent = await client.post(
        "/minis/login", json={"client_key": mini["key"]}, headers={"Origin": PUBLIC_URL}
    )
    assert silent.status_code == 200 and silent.json()["scopes"] == "user.info.open_id"
    body = (
        await flow.token(
            client_key=mini["key"],
            client_secret=mini["secret"],
            code=silent.json()["code"],
            grant_type="authorization_code",
        )
    ).json()
    assert body["scope"] == "user.info.open_id"
    refused_info = await user_info(client, body["access_token"], "open_id")
    assert refused_info.status_code == 401
    assert refused_info.json()["error"]["code"] == "scope_not_authorized"
    cross = await client.post(
        "/minis/login", json={"client_key": mini["key"]}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403


async def test_silent_login_with_storage_down_is_a_minis_error_not_a_bare_500(
    client: httpx.AsyncClient, mini: dict[str, str], ctx: Context
) -> None:
    from sqlalchemy import text

    from tokstack.storage.sql.repos import SqlStore

    assert isinstance(ctx.store, SqlStore)
    async with ctx.store.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE apps RENAME TO apps_gone"))
    response = await client.post("/minis/login", json={"client_key": mini["key"]})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["error_code"] == 50001000 and error["log_id"]
    assert "apps" not in error["error_msg"]


async def test_minis_cannot_use_other_redirect_uris_or_scopes(
    client: httpx.AsyncClient, mini: dict[str, str]
) -> None:
    flow = Flow(client)
    page = await flow.authorize(
        client_key=mini["key"],
        scope="user.info.basic",
        redirect_uri="https://evil.example/cb/",
        response_type="code",
    )
    assert page.status_code == 400
    scoped = await flow.authorize(
        client_key=mini["key"],
        scope="user.info.profile",
        redirect_uri=CALLBACK,
        response_type="code",
    )
    assert query_of(scoped.headers["location"])["error"] == "invalid_scope"


async def test_sdk_and_pages_are_served(client: httpx.AsyncClient, mini: dict[str, str]) -> None:
    sdk = await client.get("/minis/sdk.js")
    assert sdk.status_code == 200 and "TTMinis" in sdk.text
    assert sdk.headers["content-type"].startswith("application/javascript")
    demo = await client.get(f"/minis/demo/?client_key={mini['key']}")
    assert demo.status_code == 200 and mini["key"] in demo.text
    assert (await client.get("/minis/callback/?code=x")).status_code == 200


@pytest.fixture
async def emulator(tmp_path: Path, world: World) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        data_dir=tmp_path,
        secret_key="k" * 40,
        public_url=PUBLIC_URL,
        demo=True,
        auto_consent="alice",
        _env_file=None,
    )  # type: ignore[call-arg]
    migrate.upgrade(settings.resolved_database_url)
    container = build(settings, FrozenClock())
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http
    await container.close()


async def test_auto_consent_approves_everything_without_pages(
    emulator: httpx.AsyncClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tokstack.web.container import Container

    container: Container = emulator._transport.app.state.container  # type: ignore[attr-defined]
    world = World(container.ctx)
    dev = await world.developer()
    app = await world.app(dev, "user.info.profile", redirect_uris=["https://app.example/cb/"])
    await world.user("alice")
    response = await emulator.get(
        "/v2/auth/authorize/",
        params={
            "client_key": app.app.client_key,
            "scope": "user.info.basic,user.info.profile",
            "redirect_uri": "https://app.example/cb/",
            "response_type": "code",
            "state": "e",
        },
    )
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["scopes"] == "user.info.basic,user.info.profile" and query["state"] == "e"
    assert any("auto-consent" in r.getMessage() for r in caplog.records)
    token = await emulator.post(
        "/v2/oauth/token/",
        data={
            "client_key": app.app.client_key,
            "client_secret": app.client_secret,
            "code": query["code"],
            "grant_type": "authorization_code",
            "redirect_uri": "https://app.example/cb/",
        },
    )
    assert token.status_code == 200


def test_auto_consent_refused_outside_demo(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, secret_key="k" * 40, auto_consent="alice", _env_file=None
    )  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="refused outside demo mode"):
        build(settings)


async def test_oauth_errors_never_leak_internals(
    client: httpx.AsyncClient, mini: dict[str, str], clock: FrozenClock
) -> None:
    body = oauth_error(
        await client.post(
            "/v2/oauth/token/", content=b"\xff\xfe garbage", headers={"content-type": "text/plain"}
        ),
        400,
        "invalid_request",
    )
    assert "Traceback" not in body["error_description"]
