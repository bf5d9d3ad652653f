"""Webhooks in emulator mode: trigger authorization.removed, see what is queued, signed."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest

from tests.conftest import World
from tokstack.web.container import Container

HOOK = "https://hooks.example/tiktok"


@pytest.fixture
async def world_in_emulator(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> dict[str, Any]:
    """An app with a webhook URL in the emulator, and alice's tokens for it."""
    world = World(emulator[0].ctx)
    app = await world.app(await world.developer(), "user.info.basic", webhook_url=HOOK)
    tokens = await world.token(app.app.client_key, "alice", "user.info.basic")
    return {"app": app, "tokens": tokens}


async def test_trigger_revokes_and_queues_a_signed_event(
    emu: httpx.AsyncClient, world_in_emulator: dict[str, Any]
) -> None:
    app, tokens = world_in_emulator["app"], world_in_emulator["tokens"]
    fired = await emu.post(
        "/_tokstack/webhooks/trigger",
        json={"client_key": app.app.client_key, "username": "alice", "reason": 4},
    )
    assert fired.status_code == 200, fired.text
    assert fired.json() == {"event": "authorization.removed", "reason": 4,
                            "open_id": tokens["open_id"], "queued": True}  # fmt: skip
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await emu.get("/v2/user/info/?fields=open_id", headers=bearer)).status_code == 401
    (event,) = (await emu.get("/_tokstack/webhooks")).json()["webhooks"]
    assert event["target"] == HOOK and event["state"] == "pending"
    assert event["body"]["event"] == "authorization.removed"
    assert event["body"]["user_openid"] == tokens["open_id"]
    assert event["body"]["content"] == '{"reason":4}'
    stamp, signature = (p.split("=", 1)[1] for p in event["headers"]["TikTok-Signature"].split(","))
    body = httpx.Response(200, json=event["body"]).content  # the compact JSON as queued
    expected = hmac.new(app.client_secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert signature == expected.hexdigest()
    again = await emu.post(
        "/_tokstack/webhooks/trigger", json={"client_key": app.app.client_key, "username": "alice"}
    )
    assert again.status_code == 404  # nothing left to revoke


async def test_bad_triggers(emu: httpx.AsyncClient) -> None:
    for body, status in (
        ({"client_key": "awdemowebapp0001", "username": "alice", "reason": 9}, 400),
        ({"client_key": "awdemowebapp0001", "username": "alice", "event": "x"}, 400),
        ({"client_key": "nope", "username": "alice"}, 404),
        ({"username": "alice"}, 400),
    ):
        answer = await emu.post("/_tokstack/webhooks/trigger", json=body)
        assert answer.status_code == status, body
