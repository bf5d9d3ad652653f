"""The revocation bus across nodes: token digests published, every node drops them from its
cache and acknowledges."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from tokstack.storage.redis_store import DEFAULT_PREFIX, DEFAULT_TIMEOUT, Owned

log = logging.getLogger("tokstack.redis")


@dataclass(frozen=True)
class RevocationEvent:
    """Tokens to drop from every node's cache.

    ``digests`` are token digests; ``authorization_id`` means every token of that
    authorization. ``reset`` is never sent: the listener makes it up after a reconnect,
    because events published while it was away are lost, so caches must be flushed whole.
    """

    digests: tuple[str, ...] | None = None
    authorization_id: int | None = None
    reset: bool = False
    ack: str | None = None  # each listener counts itself under this id once it has acted

    def encode(self) -> str:
        body: dict[str, Any] = {
            "digests": None if self.digests is None else list(self.digests),
            "authorization_id": self.authorization_id,
        }
        if self.ack is not None:
            body["ack"] = self.ack
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | bytes) -> RevocationEvent:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        digests = data.get("digests")
        authorization_id = data.get("authorization_id")
        if digests is not None and not (
            isinstance(digests, list) and all(isinstance(d, str) for d in digests)
        ):
            raise ValueError("digests must be a list of strings or null")
        if authorization_id is not None and (
            isinstance(authorization_id, bool) or not isinstance(authorization_id, int)
        ):
            raise ValueError("authorization_id must be an integer or null")
        ack = data.get("ack")
        if ack is not None and not (isinstance(ack, str) and 0 < len(ack) <= 64):
            raise ValueError("ack must be a short string or null")
        return cls(
            digests=None if digests is None else tuple(digests),
            authorization_id=authorization_id,
            ack=ack,
        )


class RedisRevocationBus(Owned):
    """Revocations fanned out to every node over Redis pub/sub (at most once, best effort).

    ``publish`` raises ``redis.RedisError`` if Redis cannot be reached within the timeout;
    ``run`` never raises (but for cancellation): it reconnects with capped, jittered
    exponential backoff and reports a ``reset`` event after every reconnection.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str = DEFAULT_PREFIX,
        owns_client: bool = False,
        *,
        keepalive: float = 5.0,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
    ) -> None:
        super().__init__(client, prefix, owns_client)
        self.channel = f"{prefix}revocations"
        kwargs = client.connection_pool.connection_kwargs
        self.timeout = float(kwargs.get("socket_timeout") or DEFAULT_TIMEOUT)
        self.keepalive = keepalive
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def subscribed(self) -> bool:
        return self._subscribed.is_set()

    async def wait_subscribed(self) -> None:
        """Returns once the listener is subscribed: events published from then on reach it.

        Bound it with ``asyncio.timeout``; it waits through reconnections.
        """
        await self._subscribed.wait()

    async def publish(self, digests: list[str] | None, authorization_id: int | None) -> int:
        """Sends one event; returns how many listeners (this node's included) received it."""
        event = RevocationEvent(
            digests=None if digests is None else tuple(digests),
            authorization_id=authorization_id,
        )
        return int(await self.client.publish(self.channel, event.encode()))

    async def publish_confirmed(self, within: float) -> bool:
        """Publishes a "drop everything" event and waits until every listener that received
        it has acted on it (True), or ``within`` seconds (False): by then the entries it was
        about have outlived the cache TTL anyway. Raises ``redis.RedisError`` like ``publish``.
        """
        ack = secrets.token_hex(8)
        receivers = int(await self.client.publish(self.channel, RevocationEvent(ack=ack).encode()))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        pause = 0.0005
        while True:
            acted = int(await self.client.get(self._ack_key(ack)) or 0)
            if acted >= receivers:
                return True
            if loop.time() + pause > deadline:
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _ack_key(self, ack: str) -> str:
        return f"{self.prefix}ack:{ack}"

    async def _acknowledge(self, ack: str) -> None:
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.incr(self._ack_key(ack))
                pipe.expire(self._ack_key(ack), 60)
                await pipe.execute()
        except Exception as exc:  # the publisher then waits out the cache TTL: still safe
            log.warning("could not acknowledge a revocation: %s", exc)

    def start(self, on_event: Callable[[RevocationEvent], None]) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(on_event), name="tokstack-revocations")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def aclose(self) -> None:
        await self.stop()
        await super().aclose()

    async def run(self, on_event: Callable[[RevocationEvent], None]) -> None:
        delay = self.min_backoff
        connected_before = False
        while True:
            try:
                await self._listen(on_event, connected_before)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._subscribed.is_set():  # it worked for a while: back off from the start
                    connected_before, delay = True, self.min_backoff
                log.warning("revocation listener lost Redis (%s); retrying in %.1fs", exc, delay)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self.max_backoff)

    async def _listen(
        self, on_event: Callable[[RevocationEvent], None], resubscribed: bool
    ) -> None:
        pubsub = self.client.pubsub()
        kept_retry: Any = None
        try:
            await pubsub.subscribe(self.channel)
            connection: Any = pubsub.connection  # typed as Optional[None] by redis-py
            if connection is not None:
                # A silent reconnect would lose what was published meanwhile unnoticed: the
                # listener must see the failure and report a reset (caches flushed whole).
                kept_retry = connection.retry
                connection.retry = Retry(NoBackoff(), 0)
            last_seen = asyncio.get_running_loop().time()
            ping_sent: float | None = None
            while True:
                message = await pubsub.get_message(timeout=min(1.0, self.keepalive))
                now = asyncio.get_running_loop().time()
                if message is not None:
                    last_seen, ping_sent = now, None
                    kind = message.get("type")
                    if kind == "subscribe":
                        self._subscribed.set()
                        if resubscribed:
                            self._deliver(on_event, RevocationEvent(reset=True))
                    elif kind == "message":
                        event = self._receive(on_event, message.get("data"))
                        if event is not None and event.ack is not None:
                            await self._acknowledge(event.ack)
                    continue
                # Idle: make sure the connection is still alive (a silent network partition
                # would otherwise leave this listener deaf forever).
                if ping_sent is not None:
                    if now - ping_sent > self.timeout:
                        raise ConnectionError("no answer to PING")
                elif now - last_seen >= self.keepalive:
                    await pubsub.ping()
                    ping_sent = now
        finally:
            connection = pubsub.connection
            if kept_retry is not None and connection is not None:
                connection.retry = kept_retry  # it goes back to the pool
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]

    def _receive(
        self, on_event: Callable[[RevocationEvent], None], raw: Any
    ) -> RevocationEvent | None:
        try:
            event = RevocationEvent.decode(raw)
        except (ValueError, TypeError) as exc:
            log.warning("ignoring a malformed revocation message: %s", exc)
            return None
        self._deliver(on_event, event)
        return event

    @staticmethod
    def _deliver(on_event: Callable[[RevocationEvent], None], event: RevocationEvent) -> None:
        try:
            on_event(event)
        except Exception:
            log.exception("revocation callback failed for %r", event)
