"""authorization.removed webhooks delivered to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import World
from tokstack.clock import FrozenClock
from tokstack.config import Settings
from tokstack.services.webhooks import WebhookWorker
from tokstack.web.container import Container, build


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/tiktok/webhook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    """What an app does with TikTok-Signature."""
    parts = dict(item.split("=", 1) for item in headers["TikTok-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["s"])


@pytest.fixture
async def revoked(world: World, client: httpx.AsyncClient, receiver: Receiver) -> dict[str, Any]:
    dev = await world.developer()
    app = await world.app(dev, webhook_url=receiver.url)
    await world.user("alice")
    token = await world.token(app.app.client_key, "alice", "user.info.basic")
    response = await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": app.app.client_key,
            "client_secret": app.client_secret,
            "token": token["access_token"],
        },
    )
    assert response.status_code == 200
    return {"secret": app.client_secret, "key": app.app.client_key, "open_id": token["open_id"]}


async def test_signed_event_with_a_retry_after_500(
    container: Container, receiver: Receiver, revoked: dict[str, Any], clock: FrozenClock
) -> None:
    receiver.statuses = [500]
    worker = WebhookWorker(container.ctx, base_delay=10)
    try:
        assert await worker.run_once() == 1
        assert len(receiver.received) == 1
        assert await worker.run_once() == 0  # not due yet
        clock.advance(10)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0  # delivered: never sent again
    finally:
        await worker.stop()
    assert len(receiver.received) == 2
    headers, body = receiver.received[1]
    assert headers["Content-Type"] == "application/json"
    assert verify(headers, body, revoked["secret"])
    assert not verify(headers, body, "some-other-secret")
    event = json.loads(body)
    assert event == {
        "client_key": revoked["key"],
        "event": "authorization.removed",
        "create_time": clock.now() - 10,
        "user_openid": revoked["open_id"],
        "content": '{"reason":5}',
    }
    assert json.loads(event["content"]) == {"reason": 5}


async def test_event_queued_before_a_restart_is_delivered_after_it(
    container: Container,
    settings: Settings,
    receiver: Receiver,
    revoked: dict[str, Any],
    clock: FrozenClock,
) -> None:
    await container.close()  # the server stops before any worker ran
    restarted = build(settings, clock)
    worker = WebhookWorker(restarted.ctx)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.stop()
        await restarted.close()
    assert len(receiver.received) == 1
    assert verify(*receiver.received[0], revoked["secret"])


async def test_a_failing_receiver_is_dropped_after_72_hours(
    container: Container, receiver: Receiver, revoked: dict[str, Any], clock: FrozenClock
) -> None:
    receiver.statuses = [503] * 100
    worker = WebhookWorker(container.ctx, base_delay=10)
    attempts = 0
    try:
        for _ in range(40):
            attempts += await worker.run_once()
            clock.advance(6 * 3600)
        async with container.ctx.store.unit() as unit:
            assert await unit.webhooks.backlog() == 0
    finally:
        await worker.stop()
    # backoff 10 s, 20 s, 40 s … capped at 6 h, within 72 h of the event
    assert 12 <= attempts <= 20 and len(receiver.received) == attempts


async def test_unreachable_receiver_is_retried(
    world: World, client: httpx.AsyncClient, container: Container, clock: FrozenClock
) -> None:
    dev = await world.developer()
    app = await world.app(dev, webhook_url="http://127.0.0.1:9/nothing-listens-here")
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
    worker = WebhookWorker(container.ctx, base_delay=10, timeout=1)
    try:
        assert await worker.run_once() == 1
        async with container.ctx.store.unit() as unit:
            assert await unit.webhooks.backlog() == 1
    finally:
        await worker.stop()


async def test_apps_without_a_webhook_url_queue_nothing(
    world: World, client: httpx.AsyncClient, container: Container
) -> None:
    dev = await world.developer()
    app = await world.app(dev)
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
    async with container.ctx.store.unit() as unit:
        assert await unit.webhooks.backlog() == 0
