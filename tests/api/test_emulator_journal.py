"""The request journal: what an integrator's code sent, what it got, with no secret whole."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.oauth_helpers import Flow, pkce_pair
from tests.conftest import emulator_server

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
CALLBACK = "https://app.example.com/auth/tiktok/callback/"


async def journal(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    response = await client.get("/_tokstack/requests", params=filters)
    assert response.status_code == 200, response.text
    return list(response.json()["requests"])


async def full_flow(client: httpx.AsyncClient) -> dict[str, str]:
    """authorize, login, consent, code exchange, user info, refresh, revoke: the secrets."""
    flow = Flow(client)
    verifier, challenge = pkce_pair()
    query = await flow.code(
        client_key=KEY, response_type="code", scope="user.info.basic", redirect_uri=CALLBACK,
        state="st-1", code_challenge=challenge, code_challenge_method="S256",
    )  # fmt: skip
    tokens = (
        await flow.token(
            client_key=KEY, client_secret=SECRET, grant_type="authorization_code",
            code=query["code"], redirect_uri=CALLBACK, code_verifier=verifier,
        )
    ).json()  # fmt: skip
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = await client.get("/v2/user/info/?fields=open_id,display_name", headers=bearer)
    assert info.status_code == 200
    renewed = (
        await flow.token(
            client_key=KEY, client_secret=SECRET, grant_type="refresh_token",
            refresh_token=tokens["refresh_token"],
        )
    ).json()  # fmt: skip
    await client.post(
        "/v2/oauth/revoke/",
        data={"client_key": KEY, "client_secret": SECRET, "token": renewed["access_token"]},
    )
    return {
        "code": query["code"],
        "verifier": verifier,
        "access": tokens["access_token"],
        "refresh": tokens["refresh_token"],
        "access2": renewed["access_token"],
        "secret": SECRET,
        "password": "alice-password",
        "open_id": tokens["open_id"],
        "log_id": info.headers["x-tt-logid"],
    }


async def test_every_call_is_there_newest_first(emu: httpx.AsyncClient) -> None:
    secrets = await full_flow(emu)
    entries = await journal(emu)
    endpoints = [e["endpoint"] for e in entries]
    assert endpoints[:4] == ["revoke", "token", "user.info", "token"]
    assert "authorize" in endpoints and "authorize.login" in endpoints
    info = entries[2]
    assert info["status"] == 200 and info["method"] == "GET"
    assert info["log_id"] == secrets["log_id"]
    assert info["open_id"] == secrets["open_id"] and info["client_key"] == KEY
    assert info["query"] == {"fields": "open_id,display_name"}
    assert info["response"]["data"]["user"]["open_id"] == secrets["open_id"]
    assert info["response"]["error"]["code"] == "ok"  # TikTok's code, not a secret
    assert info["duration_ms"] >= 0 and isinstance(info["time"], int)
    exchange = entries[3]
    assert exchange["form"]["grant_type"] == "authorization_code"
    assert exchange["open_id"] == secrets["open_id"]
    assert exchange["headers"]["content-type"] == "application/x-www-form-urlencoded"
    authorize = next(e for e in entries if e["endpoint"] == "authorize")
    assert authorize["query"]["state"] == "st-1" and authorize["client_key"] == KEY


async def test_no_secret_appears_whole_anywhere(emu: httpx.AsyncClient) -> None:
    secrets = await full_flow(emu)
    text = json.dumps(await journal(emu, limit=1000), ensure_ascii=False)
    for name in ("code", "verifier", "access", "refresh", "access2", "secret", "password"):
        assert secrets[name] not in text, name
    # what is left is enough to tell them apart: the prefix and the last 4 characters
    assert f"act.…{secrets['access'][-4:]}" in text
    assert f"rft.…{secrets['refresh'][-4:]}" in text
    assert "[redacted]" in text


async def test_filters_limit_and_clear(emu: httpx.AsyncClient) -> None:
    await full_flow(emu)
    await emu.post("/v2/oauth/token/", data={"client_key": "other", "client_secret": "x",
                                             "grant_type": "client_credentials"})  # fmt: skip
    tokens = await journal(emu, endpoint="token")
    assert len(tokens) == 3 and {e["endpoint"] for e in tokens} == {"token"}
    assert [e["status"] for e in await journal(emu, client_key="other")] == [401]
    assert all(e["status"] == 401 for e in await journal(emu, status=401))
    assert len(await journal(emu, limit=2)) == 2
    assert await journal(emu, since=4_000_000_000) == []
    bad = await emu.get("/_tokstack/requests", params={"limit": "-1"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    assert (await emu.delete("/_tokstack/requests")).status_code == 200
    assert await journal(emu) == []


async def test_a_faulted_request_names_its_fault(emu: httpx.AsyncClient) -> None:
    rule = (
        await emu.post("/_tokstack/faults", json={"endpoint": "token", "error": "server_error"})
    ).json()
    await emu.post("/v2/oauth/token/", data={"client_key": KEY, "client_secret": SECRET,
                                             "grant_type": "client_credentials"})  # fmt: skip
    (entry,) = await journal(emu, endpoint="token")
    assert entry["status"] == 500 and entry["fault_id"] == rule["id"]
    assert entry["response"]["error"] == "server_error"


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_server(tmp_path / "small", journal_size=5) as (_, client):
        yield client


async def test_the_journal_is_bounded(small: httpx.AsyncClient) -> None:
    for n in range(23):
        await small.get(f"/v2/user/info/?fields=open_id&n={n}")
    kept = await journal(small, limit=5)
    assert [e["query"]["n"] for e in kept] == ["22", "21", "20", "19", "18"]
    folder = Path(small._transport.app.state.container.settings.data_dir) / "journal"  # type: ignore[attr-defined]
    lines = sum(len(p.read_bytes().splitlines()) for p in folder.glob("*.jsonl"))
    assert lines < 10  # cut back to the newest 5 once it held 10
