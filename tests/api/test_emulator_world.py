"""Emulator reset and tokens: back to the seed between tests, tokens without a browser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.oauth_helpers import hidden
from tests.api.test_portal import sign_up
from tests.conftest import PUBLIC_URL, World
from tokstack.config import Settings
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

KEY = "awdemowebapp0001"
INFO = "/v2/user/info/?fields=open_id,display_name"


async def token(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/_tokstack/tokens", json=body)


async def test_tokens_on_request_with_scopes_as_a_list_or_a_comma_list(
    emu: httpx.AsyncClient,
) -> None:
    for scopes in ("user.info.profile", ["user.info.basic", "user.info.stats"]):
        issued = await token(emu, client_key=KEY, username="alice", scopes=scopes)
        assert issued.status_code == 200, issued.text
        body = issued.json()
        assert body["access_token"].startswith("act.") and body["token_type"] == "Bearer"
        assert body["scope"].startswith("user.info.basic")
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert (await emu.get(INFO, headers=bearer)).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"client_key": KEY, "username": "nobody", "scopes": "user.info.basic"}, 404),
        ({"client_key": "nokey", "username": "alice", "scopes": "user.info.basic"}, 404),
        ({"client_key": KEY, "username": "alice", "scopes": "user.info.nope"}, 400),
        ({"client_key": KEY, "username": "alice", "scopes": 5}, 400),
        ({"client_key": KEY, "scopes": "user.info.basic"}, 400),
    ],
)
async def test_bad_token_requests(emu: httpx.AsyncClient, body: Any, status: int) -> None:
    refused = await token(emu, **body)
    assert refused.status_code == status and refused.json()["error"]["message"]


async def test_reset_puts_the_world_back_to_the_seed(emu: httpx.AsyncClient) -> None:
    issued = (await token(emu, client_key=KEY, username="alice", scopes="user.info.basic")).json()
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await sign_up(emu, "someone@example.com")).status_code in (200, 303)
    await emu.post("/_tokstack/faults", json={"endpoint": "token", "latency_ms": 1})
    await emu.post("/_tokstack/clock", json={"advance": 3600})
    started = time.perf_counter()
    answer = await emu.post("/_tokstack/reset")
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200 and answer.json()["reset"] is True
    print(f"\nreset of the demo seed: {elapsed * 1000:.0f} ms")
    # the old token is gone, the faults and the clock are back to nothing
    assert (await emu.get(INFO, headers=bearer)).status_code == 401
    assert (await emu.get("/_tokstack/faults")).json() == {"faults": []}
    assert (await emu.get("/_tokstack/clock")).json()["offset"] == 0
    # the developer who signed up is gone; the demo data is back and works
    listed = await emu.get("/")
    assert listed.status_code == 200
    again = await token(emu, client_key=KEY, username="alice", scopes="user.info.basic")
    assert again.status_code == 200
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await emu.get(INFO, headers=fresh)).status_code == 200


async def test_resets_leave_no_files_behind(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> None:
    blobs = emulator[0].settings.data_dir / "blobs"
    await emu.post("/_tokstack/reset")
    before = sorted(p.name for p in blobs.rglob("*") if p.is_file())
    for _ in range(5):
        assert (await emu.post("/_tokstack/reset")).status_code == 200
    after = sorted(p.name for p in blobs.rglob("*") if p.is_file())
    assert len(after) == len(before) > 0


async def test_open_id_and_union_id_are_stable_across_resets(emu: httpx.AsyncClient) -> None:
    seen = []
    for _ in range(2):
        issued = (
            await token(emu, client_key=KEY, username="alice", scopes="user.info.basic")
        ).json()
        bearer = {"Authorization": f"Bearer {issued['access_token']}"}
        user = (await emu.get("/v2/user/info/?fields=open_id,union_id", headers=bearer)).json()
        seen.append(user["data"]["user"])
        await emu.post("/_tokstack/reset")
    assert seen[0] == seen[1]
    # derived from names, so a fixture can compute them
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"tokstack:open_id:{KEY}:alice")
    assert seen[0]["open_id"] == str(expected)
    other = (await token(emu, client_key="awdemodesktop002", username="alice",
                         scopes="user.info.basic")).json()  # fmt: skip
    assert other["open_id"] != seen[0]["open_id"]  # one per app, as on TikTok


async def test_one_click_login_for_demo_users_in_emulator_mode_only(
    emu: httpx.AsyncClient, client: httpx.AsyncClient, world: World
) -> None:
    params = {"client_key": KEY, "response_type": "code", "scope": "user.info.basic",
              "redirect_uri": "https://app.example.com/auth/tiktok/callback/"}  # fmt: skip
    started = await emu.get("/v2/auth/authorize/", params=params)
    page = await emu.get(started.headers["location"])
    assert "Alice Example (@alice)" in page.text and 'name="quick"' in page.text
    form = {"i": hidden(page.text, "i"), "csrf": hidden(page.text, "csrf"), "quick": "1"}
    stranger = await emu.post("/v2/auth/login/", data={**form, "username": "carol"})
    assert stranger.status_code == 401  # only the seeded users, never a password-less login
    page = await emu.get(started.headers["location"])
    form = {"i": hidden(page.text, "i"), "csrf": hidden(page.text, "csrf"), "quick": "1"}
    chosen = await emu.post("/v2/auth/login/", data={**form, "username": "alice"})
    assert chosen.status_code == 303 and "/v2/auth/consent/" in chosen.headers["location"]
    # outside emulator mode there is no such choice, and "quick" is just an unknown field
    dev = await world.developer()
    app = await world.app(dev, redirect_uris=[params["redirect_uri"]])
    await world.user("alice", password="alice-password")
    plain = await client.get(
        "/v2/auth/authorize/", params={**params, "client_key": app.app.client_key}
    )
    page = await client.get(plain.headers["location"])
    assert 'name="quick"' not in page.text
    form = {"i": hidden(page.text, "i"), "csrf": hidden(page.text, "csrf"), "quick": "1"}
    refused = await client.post("/v2/auth/login/", data={**form, "username": "alice"})
    assert refused.status_code == 401


async def test_the_control_api_needs_the_emulator_token_when_one_is_set(tmp_path: Path) -> None:
    token = "control-token-0123456789"
    settings = Settings(
        data_dir=tmp_path / "guarded",
        secret_key="guarded-secret-key-0123456789abcdefghij",
        public_url=PUBLIC_URL,
        demo=True,
        emulator_token=token,
        _env_file=None,  # type: ignore[call-arg]
    )
    migrate.upgrade(settings.resolved_database_url)
    container = build(settings)
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        for sent in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
            refused = await client.get("/_tokstack/faults", headers=sent)
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthorized"
            assert (await client.post("/_tokstack/reset", headers=sent)).status_code == 401
        allowed = await client.get(
            "/_tokstack/faults", headers={"Authorization": f"Bearer {token}"}
        )
        assert allowed.status_code == 200
    await container.close()


def test_serve_demo_beyond_loopback_needs_the_token(tmp_path: Path) -> None:
    tokstack = Path(sys.executable).with_name("tokstack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKSTACK_")}
    env["TOKSTACK_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [str(tokstack), "serve", "--demo", "--host", "192.0.2.1", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.startswith("error: emulator mode on 192.0.2.1")
        and "TOKSTACK_EMULATOR_TOKEN" in done.stderr
    )
