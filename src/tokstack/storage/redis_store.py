"""Redis backends for the multi-node deployment: ephemeral values, rate limits, revocations.

One ``redis.asyncio.Redis`` client (see ``connect``) is shared by the three classes. Every
call is bounded: the client is built with ``socket_timeout`` and ``socket_connect_timeout``
and without redis-py's retry loop, so a Redis that is down costs one timeout, not ten.
Needs Redis 6.2 or later (GETDEL).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger("tokstack.redis")

DEFAULT_PREFIX = "tokstack:"
DEFAULT_TIMEOUT = 2.0


def connect(url: str, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> aioredis.Redis:
    """A client whose every call gives up after ``timeout`` seconds (connect and read)."""
    settings: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        # one retry on a new connection when a pooled one was closed (a Redis restart);
        # none on a timeout, so a frozen Redis still costs one timeout, not two
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "health_check_interval": 0,
    }
    settings.update(options)
    client: aioredis.Redis = aioredis.Redis.from_url(url, **settings)
    return client


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


class _Owned:
    """Holds a client, and closes it on ``aclose`` only if it was made here (``from_url``)."""

    def __init__(self, client: aioredis.Redis, prefix: str, owns_client: bool) -> None:
        self.client = client
        self.prefix = prefix
        self.owns_client = owns_client

    @classmethod
    def from_url(
        cls, url: str, timeout: float = DEFAULT_TIMEOUT, prefix: str = DEFAULT_PREFIX
    ) -> Self:
        return cls(connect(url, timeout), prefix=prefix, owns_client=True)

    async def ping(self) -> None:
        await self.client.ping()

    async def aclose(self) -> None:
        if self.owns_client:
            await self.client.aclose()


# INCR, then start the window only if the key has none yet (the same as EXPIRE NX, which
# needs Redis 7). A ttl <= 0 deletes the key, as the SQL store would see it expired at once.
_INCR = """
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
"""


class RedisEphemeral(_Owned):
    """``EphemeralStore`` in Redis, shared by every node."""

    def __init__(
        self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX, owns_client: bool = False
    ) -> None:
        super().__init__(client, prefix, owns_client)
        self._incr = client.register_script(_INCR)
        self._take_leaving = client.register_script(_TAKE_LEAVING)

    def _key(self, key: str) -> str:
        return f"{self.prefix}eph:{key}"

    async def clear(self) -> int:
        """Deletes every entry and rate-limit counter under this prefix (emulator reset)."""
        removed = 0
        for pattern in (f"{self.prefix}eph:*", f"{self.prefix}rate:*"):
            batch = [key async for key in self.client.scan_iter(match=pattern, count=1000)]
            for start in range(0, len(batch), 1000):
                removed += int(await self.client.delete(*batch[start : start + 1000]))
        return removed

    async def put(self, key: str, value: str, ttl: int) -> None:
        if ttl <= 0:  # already expired: what the SQL store would report
            await self.client.delete(self._key(key))
            return
        await self.client.set(self._key(key), value, ex=ttl)

    async def get(self, key: str) -> str | None:
        return _text(await self.client.get(self._key(key)))

    async def take(self, key: str, leave: tuple[str, str, int] | None = None) -> str | None:
        if leave is None:
            return _text(await self.client.getdel(self._key(key)))
        marker, value, ttl = leave
        return _text(
            await self._take_leaving(keys=[self._key(key), self._key(marker)], args=[value, ttl])
        )

    async def delete(self, key: str) -> None:
        await self.client.delete(self._key(key))

    async def incr(self, key: str, ttl: int) -> int:
        return int(await self._incr(keys=[self._key(key)], args=[ttl]))


# A sliding log: the set holds one member per allowed request, scored by Redis' own clock
# in milliseconds (one clock for every node). Refused requests are not recorded, so a
# client that keeps knocking is let in again once its oldest counted request slides out.
_TAKE_LEAVING = """
local value = redis.call('GETDEL', KEYS[1])
if value then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
end
return value
"""

# ARGV[4] slots are reserved at once (see LeasedRateLimiter); members are ARGV[3]..":"..i.
# ARGV[5], in emulator mode only, is the emulated time in ms (else Redis's own clock).
_SLIDING_WINDOW = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
local want = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local room = limit - redis.call('ZCARD', key)
if room > 0 then
  local take = math.min(room, want)
  for i = 1, take do
    redis.call('ZADD', key, now, ARGV[3] .. ':' .. i)
  end
  redis.call('PEXPIRE', key, window)
  return {take, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"""


class RedisRateLimiter(_Owned):
    """At most ``limit`` requests per key in any ``window`` seconds, counted across nodes."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str = DEFAULT_PREFIX,
        owns_client: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(client, prefix, owns_client)
        self._hit = client.register_script(_SLIDING_WINDOW)
        self.clock = clock  # emulator mode: windows slide on the emulated time

    async def hit(self, key: str, limit: int, window: int = 60) -> tuple[bool, int]:
        """(allowed, seconds to wait before the next request can be allowed; 0 if allowed)."""
        granted, retry_after = await self.reserve(key, limit, 1, window)
        return granted > 0, retry_after

    async def reserve(self, key: str, limit: int, want: int, window: int = 60) -> tuple[int, int]:
        """Counts up to ``want`` requests now: (how many were granted, retry-after if none)."""
        if window <= 0:
            return want, 0
        if limit <= 0:
            return 0, window
        args: list[Any] = [limit, window, secrets.token_hex(8), want]
        if self.clock is not None:
            args.append(int(self.clock() * 1000))
        granted, wait_ms = await self._hit(keys=[f"{self.prefix}rate:{key}"], args=args)
        if int(granted):
            return int(granted), 0
        return 0, max(1, math.ceil(int(wait_ms) / 1000))


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


class RedisRevocationBus(_Owned):
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
