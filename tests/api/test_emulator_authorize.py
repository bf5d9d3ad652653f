"""``POST /_tokstack/authorize``: a user's consent without a browser, with the checks of the
real authorize endpoint, and a code the token endpoint takes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.oauth_helpers import pkce_pair, query_of
from tokstack.services import profile
from tokstack.services.demo import DEMO_USERS
from tokstack.web.container import Container

KEY = "awdemowebapp0001"
SECRET = "demoSecretWebApp0000000000000001"
CALLBACK = "https://app.example.com/auth/tiktok/callback/"


async def consent(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/_tokstack/authorize", json=body)


async def exchange(client: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    form = {"client_key": KEY, "client_secret": SECRET, "grant_type": "authorization_code"}
    return await client.post(
        "/v2/oauth/token/", data={**form, "code": code, "redirect_uri": CALLBACK, **extra}
    )


async def test_a_code_with_pkce_that_the_token_endpoint_takes(emu: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    answer = await consent(
        emu, client_key=KEY, username="bob", scopes=["user.info.basic", "user.info.profile"],
        redirect_uri=CALLBACK, state="st-1", code_challenge=challenge,
        code_challenge_method="S256",
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scopes"] == ["user.info.basic", "user.info.profile"] and body["state"] == "st-1"
    redirected = query_of(body["redirect_url"])
    assert body["redirect_url"].startswith(CALLBACK + "?")
    assert redirected["code"] == body["code"] and redirected["state"] == "st-1"
    assert (await exchange(emu, body["code"])).json()["error"] == "invalid_grant"  # no verifier
    second = await consent(
        emu, client_key=KEY, username="bob", scopes="user.info.basic", redirect_uri=CALLBACK,
        code_challenge=challenge,
    )  # fmt: skip
    tokens = (await exchange(emu, second.json()["code"], code_verifier=verifier)).json()
    assert tokens["scope"] == "user.info.basic"  # the latest consent is what the app holds
    info = await emu.get(
        "/v2/user/info/?fields=display_name",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    bob = next(u for u in DEMO_USERS if u["username"] == "bob")
    assert info.json()["data"]["user"]["display_name"] == bob["display_name"]


async def test_an_error_the_app_would_receive_by_redirect(emu: httpx.AsyncClient) -> None:
    answer = await consent(
        emu, client_key=KEY, username="alice", scopes="user.info.basic,video.upload",
        redirect_uri=CALLBACK, state="s",
    )  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert body["error"] == "invalid_scope" and "code" not in body and body["state"] == "s"
    assert query_of(body["redirect_url"])["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"client_key": "nokey", "username": "alice", "scopes": "user.info.basic",
          "redirect_uri": CALLBACK}, 400, "client_key"),
        ({"client_key": KEY, "username": "alice", "scopes": "user.info.basic",
          "redirect_uri": "https://evil.example/cb/"}, 400, "redirect_uri"),
        ({"client_key": KEY, "username": "nobody", "scopes": "user.info.basic",
          "redirect_uri": CALLBACK}, 404, "nobody"),
        ({"client_key": KEY, "username": "alice", "scopes": 3, "redirect_uri": CALLBACK},
         400, "scopes"),
        ({"client_key": KEY, "username": "alice", "scopes": "user.info.basic"}, 400,
         "redirect_uri"),
        ({"client_key": KEY, "username": "alice", "scopes": "user.info.basic",
          "redirect_uri": CALLBACK, "state": 5}, 400, "state"),
    ],
)  # fmt: skip
async def test_refusals_name_the_problem(
    emu: httpx.AsyncClient, body: dict[str, Any], status: int, words: str
) -> None:
    refused = await consent(emu, **body)
    assert refused.status_code == status, refused.text
    assert words in refused.json()["error"]["message"]


async def test_a_banned_user_gives_no_consent(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> None:
    await profile.end_account(emulator[0].ctx, "alice", "banned")
    body = {"client_key": KEY, "username": "alice", "scopes": "user.info.basic"}
    answer = await consent(emu, **body, redirect_uri=CALLBACK)
    assert answer.status_code == 400 and "banned" in answer.json()["error"]["message"]


async def test_not_there_outside_emulator_mode(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_tokstack/authorize", json={})
    assert answer.status_code == 404
