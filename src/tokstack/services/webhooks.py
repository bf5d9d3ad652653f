"""Durable webhook delivery from the outbox, signed the way TikTok signs.

Events are written in the same transaction as the change that caused them; this worker sends
them, retrying with exponential backoff for up to 72 hours. A slow or failing receiver only
ever delays its own events, never a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

from tokstack.domain.models import WebhookEvent
from tokstack.metrics import WEBHOOKS
from tokstack.services.context import Context
from tokstack.storage.ports import WebhookLog

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("tokstack.webhooks")

RETRY_WINDOW = 72 * 3600
MAX_DELAY = 6 * 3600
LEASE = 120


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """``TikTok-Signature: t=<unix>,s=<hex HMAC-SHA256(client_secret, t + "." + body)>``."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},s={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def event_body(client_key: str, event: str, open_id: str, content: dict[str, Any], now: int) -> str:
    """TikTok's webhook envelope; ``content`` is itself a JSON string, as TikTok sends it."""
    return orjson.dumps(
        {
            "client_key": client_key,
            "event": event,
            "create_time": now,
            "user_openid": open_id,
            "content": orjson.dumps(content).decode(),
        }
    ).decode()


def retry_at(event: WebhookEvent, now: int, base_delay: int) -> int | None:
    """When to try again after a failure, or None once 72 hours have passed."""
    delay = min(base_delay * 2**event.attempts, MAX_DELAY)
    at = now + delay
    return None if at > event.created_at + RETRY_WINDOW else at


class WebhookWorker:
    def __init__(
        self,
        ctx: Context,
        *,
        base_delay: int = 10,
        poll_interval: float = 1.0,
        timeout: float = 5.0,
        batch: int = 20,
        transport: httpx.AsyncBaseTransport | None = None,
        before_pass: Callable[[], Awaitable[None]] | None = None,
        attempts: WebhookLog | None = None,
    ) -> None:
        self.ctx = ctx
        self.attempts = attempts  # emulator mode: every attempt kept for /_tokstack/webhooks
        # emulator mode: the emulated clock caught up first, so backoff follows moved time
        self.before_pass = before_pass
        self.base_delay = max(1, base_delay)
        self.poll_interval = poll_interval
        self.batch = batch
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    async def _send(self, event: WebhookEvent) -> tuple[str | None, str | None]:
        """(None on success, else what went wrong (never the secret); the signature sent)."""
        async with self.ctx.store.read() as unit:
            app = await unit.apps.get(event.app_id)
        secret = self.ctx.box.open(app.client_secret_enc) if app else None
        if secret is None:
            return "the app's client secret is not available for signing; rotate it", None
        body = event.body.encode()
        signature = signature_header(secret, body, self.ctx.clock.now())
        headers = {"Content-Type": "application/json", "TikTok-Signature": signature}
        import httpx  # on first delivery: most workers never send one (4 MB each)

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                transport=self._transport,
                headers={"User-Agent": "tokstack-webhooks"},
            )
        try:
            response = await self._client.post(event.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}", signature
        if 200 <= response.status_code < 300:
            return None, signature
        return f"HTTP {response.status_code}", signature

    async def _deliver(self, event: WebhookEvent) -> None:
        error, signature = await self._send(event)
        now = self.ctx.clock.now()
        WEBHOOKS.labels("delivered" if error is None else "failed").inc()
        at = None if error is None else retry_at(event, now, self.base_delay)
        if self.attempts is not None:
            await self.attempts.record(event.id, now, signature, error, at)
        async with self.ctx.store.unit() as unit:
            if error is None:
                await unit.webhooks.delivered(event.id, now)
                return
            await unit.webhooks.failed(event.id, at, error, now)
        log.warning(
            "webhook %s to %s failed (%s); %s",
            event.id,
            event.url,
            error,
            "dropped" if at is None else f"retry at {at}",
        )

    async def run_once(self) -> int:
        """Sends every event that is due now; returns how many were attempted."""
        if self.before_pass is not None:
            await self.before_pass()
        async with self.ctx.store.unit() as unit:
            due = await unit.webhooks.claim_due(self.ctx.clock.now(), LEASE, self.batch)
        await asyncio.gather(*(self._deliver(event) for event in due))
        return len(due)

    async def run(self) -> None:
        while True:
            try:
                while await self.run_once() == self.batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook worker pass failed; retrying")
            await asyncio.sleep(self.poll_interval)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
