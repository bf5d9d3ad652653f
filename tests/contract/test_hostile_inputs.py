"""Inputs SQLite takes and PostgreSQL refuses are clear 4xx answers, alike on every backend.

PostgreSQL cannot hold NUL in text and enforces column lengths, so before the fix a client
key, username, code or token with a NUL, an email over 320 characters, or a long username
at a login (its failure counter's key, without Redis) was a driver error and a 500 there,
while SQLite answered.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services import REDIS_URL
from tokstack.config import Settings
from tokstack.services.demo import ensure_demo
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import build

BASE = "http://tokstack.test"
WEB_KEY = "awdemowebapp0001"
WEB_SECRET = "demoSecretWebApp0000000000000001"
MINI_KEY = "awdemominiapp003"


@pytest.fixture(params=["sqlite", "postgres", "postgres-without-redis"])
async def client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    extra: dict[str, Any] = {}
    if request.param.startswith("postgres"):
        extra = {"database_url": request.getfixturevalue("postgres_url")}
    if request.param == "postgres":
        extra |= {"redis_url": REDIS_URL, "redis_prefix": f"hostile-{secrets.token_hex(4)}:"}
    settings = Settings(
        data_dir=tmp_path,
        secret_key=secrets.token_urlsafe(40),
        public_url=BASE,
        demo=True,
        webhooks=False,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )
    migrate.upgrade(settings.resolved_database_url)
    container = build(settings)
    await container.start()
    await ensure_demo(container.ctx)
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http
    await container.close()


def token_form(**fields: str) -> dict[str, str]:
    return {"client_key": WEB_KEY, "client_secret": WEB_SECRET, **fields}


async def test_nul_in_token_and_revoke_parameters_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    forms = [
        {"client_key": "\x00", "client_secret": "x", "grant_type": "client_credentials"},
        token_form(grant_type="refresh_token", refresh_token="rft.\x00"),
        token_form(grant_type="authorization_code", code="\x00", redirect_uri="https://x/"),
        token_form(grant_type="client_credentials\x00"),
    ]
    for form in forms:
        response = await client.post("/v2/oauth/token/", data=form)
        assert response.status_code == 400, (form, response.text)
        assert response.json()["error"] == "invalid_request"
        assert "NUL" in response.json()["error_description"]
    revoked = await client.post("/v2/oauth/revoke/", data=token_form(token="act.\x00"))
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_request"


async def test_nul_in_authorize_login_and_pages_is_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    authorize = await client.get(
        "/v2/auth/authorize/",
        params={
            "client_key": "\x00",
            "scope": "user.info.basic",
            "redirect_uri": "https://x/",
            "response_type": "code",
        },
    )
    assert authorize.status_code == 400 and "NUL" in authorize.text
    login = await client.post(
        "/portal/login", data={"csrf": "x", "email": "a\x00@b.c", "password": "p"}
    )
    assert login.status_code == 400 and "NUL" in login.text
    demo = await client.get("/minis/demo/", params={"client_key": "\x00"})
    assert demo.status_code == 400 and "NUL" in demo.text
    avatar = await client.get("/tos-avt-0068-tx/x.jpeg", params={"x-expires": "\x00"})
    assert avatar.status_code == 403
    minis = await client.post("/minis/login", json={"client_key": MINI_KEY + "\x00"})
    assert minis.status_code == 400 and minis.json()["error"]["error_code"] == 40001000


async def test_nul_in_a_path_is_the_gateway_404(client: httpx.AsyncClient) -> None:
    for path in ("/@a%00b", "/portal/apps/%00", "/tos-avt-0068-tx/%00", "/v2/oauth/token/%00"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.text == "Unsupported path(Janus)"


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


async def test_overlong_email_and_username_are_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    csrf = hidden((await client.get("/portal/signup")).text, "csrf")
    email = "dev@" + "d" * 300 + ".example"
    signup = await client.post(
        "/portal/signup",
        data={"csrf": csrf, "name": "Dev", "email": email, "password": "dev-password"},
    )
    assert signup.status_code == 400 and "valid email" in signup.text
    for attempt in range(2):
        csrf = hidden((await client.get("/account/login")).text, "csrf")
        login = await client.post(
            "/account/login", data={"csrf": csrf, "username": "u" * 5000, "password": "nope"}
        )
        assert login.status_code == 401, attempt  # counted as a failure, like any other
