"""What else the emulated clock drives: log_id timestamps, rate-limit windows, login
throttling, webhook backoff and create_time, and every delivery attempt in the webhook log."""

from __future__ import annotations

import calendar
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.api.oauth_helpers import Flow
from tests.api.test_webhooks import Receiver, receiver, verify  # noqa: F401 (a fixture)
from tests.conftest import World, emulator_server
from tokstack.services.demo import ensure_demo
from tokstack.web.container import Container, webhook_worker

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
CLIENT = {"client_key": KEY, "client_secret": SECRET, "grant_type": "client_credentials"}
DAY = 86_400


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """An emulator whose token endpoint allows 3 requests a minute per app."""
    async with emulator_server(tmp_path / "strict", token_rate_limit_per_minute=3) as both:
        await ensure_demo(both[0].ctx)
        yield both


async def advance(client: httpx.AsyncClient, seconds: int) -> int:
    moved = await client.post("/_tokstack/clock", json={"advance": seconds})
    assert moved.status_code == 200, moved.text
    return int(moved.json()["now"])


async def test_log_ids_carry_the_emulated_time(emu: httpx.AsyncClient) -> None:
    now = await advance(emu, 3 * DAY)
    answer = await emu.post("/v2/oauth/token/", data=CLIENT)
    stamp = answer.headers["x-tt-logid"][:14]
    assert abs(calendar.timegm(time.strptime(stamp, "%Y%m%d%H%M%S")) - now) < 5
    info = await emu.get("/v2/user/info/?fields=open_id")  # the v2 envelope, on the fast path
    assert info.json()["error"]["log_id"][:8] == info.headers["x-tt-logid"][:8] == stamp[:8]


async def test_a_rate_limit_window_slides_with_the_clock(
    strict: tuple[Container, httpx.AsyncClient],
) -> None:
    _, client = strict
    for _ in range(3):
        assert (await client.post("/v2/oauth/token/", data=CLIENT)).status_code == 200
    refused = await client.post("/v2/oauth/token/", data=CLIENT)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 60
    await advance(client, 61)
    assert (await client.post("/v2/oauth/token/", data=CLIENT)).status_code == 200
    await client.post("/_tokstack/clock", json={"freeze": True})
    for _ in range(2):
        await client.post("/v2/oauth/token/", data=CLIENT)
    # frozen: the window never slides on its own, however long the test waits
    assert (await client.post("/v2/oauth/token/", data=CLIENT)).status_code == 429


async def test_login_throttling_ends_when_the_clock_passes_its_window(
    emu: httpx.AsyncClient,
) -> None:
    flow = Flow(emu)
    params = {"client_key": KEY, "response_type": "code", "scope": "user.info.basic",
              "redirect_uri": "https://app.example.com/auth/tiktok/callback/"}  # fmt: skip
    start = await flow.authorize(**params)
    for _ in range(5):
        assert (await flow.login(start.headers["location"], "bob", "nope-nope")).status_code == 401
    throttled = await flow.login(start.headers["location"], "bob", "bob-password")
    assert throttled.status_code == 429
    await advance(emu, 14 * 60)  # not yet: the window is 15 minutes
    assert (await flow.login(start.headers["location"], "bob", "bob-password")).status_code == 429
    await advance(emu, 61)
    start = await flow.authorize(**params)  # the earlier login step has expired meanwhile
    allowed = await flow.login(start.headers["location"], "bob", "bob-password")
    assert allowed.status_code == 303


async def test_every_delivery_attempt_on_the_emulated_clock(
    emulator: tuple[Container, httpx.AsyncClient],
    emu: httpx.AsyncClient,
    receiver: Receiver,  # noqa: F811
) -> None:
    container = emulator[0]
    world = World(container.ctx)
    app = await world.app(await world.developer(), "user.info.basic", webhook_url=receiver.url)
    await world.token(app.app.client_key, "alice", "user.info.basic")
    now = await advance(emu, 10 * DAY)
    fired = await emu.post(
        "/_tokstack/webhooks/trigger", json={"client_key": app.app.client_key, "username": "alice"}
    )
    assert fired.status_code == 200, fired.text  # fmt: skip
    receiver.statuses = [500]
    worker = webhook_worker(container)
    try:
        assert await worker.run_once() == 1  # fails: the retry is due 10 emulated s later
        assert await worker.run_once() == 0
        await advance(emu, container.settings.webhook_retry_base)
        assert await worker.run_once() == 1  # delivered, without waiting for real time
    finally:
        await worker.stop()
    (event,) = (await emu.get("/_tokstack/webhooks")).json()["webhooks"]
    assert event["state"] == "delivered" and event["attempts"] == 2
    assert event["body"]["create_time"] - now in (0, 1)  # emulated, 10 days ahead
    first, second = event["attempt_log"]
    assert (first["outcome"], first["error"]) == ("failed", "HTTP 500")
    assert first["next_attempt_at"] == first["at"] + container.settings.webhook_retry_base
    assert (second["outcome"], second["error"], second["next_attempt_at"]) == (
        "delivered", None, None)  # fmt: skip
    for attempt, (headers, body) in zip(event["attempt_log"], receiver.received, strict=True):
        assert attempt["headers"]["TikTok-Signature"] == headers["TikTok-Signature"]
        assert verify(headers, body, app.client_secret)


async def test_outside_emulator_mode_attempts_are_not_recorded(
    container: Container,
    client: httpx.AsyncClient,
    receiver: Receiver,  # noqa: F811
) -> None:
    world = World(container.ctx)
    app = await world.app(await world.developer(), webhook_url=receiver.url)
    await world.user("alice")
    token = await world.token(app.app.client_key, "alice", "user.info.basic")
    await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": app.app.client_key,
            "client_secret": app.client_secret,
            "token": token["access_token"],
        },
    )
    worker = webhook_worker(container)  # fmt: skip
    assert worker.attempts is None and worker.before_pass is None
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.stop()
    assert len(receiver.received) == 1
    async with container.ctx.store.read() as unit:
        assert await unit.webhooks.backlog() == 0
