"""Redis backends for the multi-node deployment: the client, and ephemeral values (codes,
sessions). Rate limits are in ``redis_limits``, revocations in ``redis_bus``.

One ``redis.asyncio.Redis`` client (see ``connect``) is shared by the three. Every
call is bounded: the client is built with ``socket_timeout`` and ``socket_connect_timeout``
and without redis-py's retry loop, so a Redis that is down costs one timeout, not ten.
Needs Redis 6.2 or later (GETDEL).
"""

from __future__ import annotations

import logging
from typing import Any, Self

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from tokstack.clock import Clock

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


class Owned:
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


_TAKE_LEAVING = """
local value = redis.call('GETDEL', KEYS[1])
if value then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
end
return value
"""


# ARGV[4] slots are reserved at once (see LeasedRateLimiter); members are ARGV[3]..":"..i.
# ARGV[5], in emulator mode only, is the emulated time in ms (else Redis's own clock).
# Emulator mode: entries expire by the emulated clock (``clock``), like the SQL store's, so a
# frozen clock keeps a code alive and an advanced one ends it. A value is kept as
# "<deadline>|<value>"; Redis still drops it a day after it would have expired unmoved.
_TAKE_LEAVING_BY = """
local raw = redis.call('GETDEL', KEYS[1])
if not raw then return false end
local sep = string.find(raw, '|', 1, true)
local deadline = sep and tonumber(string.sub(raw, 1, sep - 1))
if deadline and deadline <= tonumber(ARGV[3]) then return false end
redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
if not deadline then return raw end
return string.sub(raw, sep + 1)
"""


_INCR_BY = """
local now = tonumber(ARGV[2])
local raw = redis.call('GET', KEYS[1])
local deadline, n = nil, 0
if raw then
  local sep = string.find(raw, '|', 1, true)
  deadline = sep and tonumber(string.sub(raw, 1, sep - 1))
  if deadline and deadline > now then
    n = tonumber(string.sub(raw, sep + 1)) or 0
  else
    deadline = nil
  end
end
n = n + 1
if deadline then
  redis.call('SET', KEYS[1], deadline .. '|' .. n, 'KEEPTTL')
else
  local ttl = tonumber(ARGV[1])
  redis.call('SET', KEYS[1], (now + ttl) .. '|' .. n, 'EX', ttl + tonumber(ARGV[3]))
end
return n
"""
REAL_KEEP = 86_400


class RedisEphemeral(Owned):
    """``EphemeralStore`` in Redis, shared by every node; with ``clock`` (emulator mode),
    entries expire by that clock rather than by Redis' own."""

    def __init__(
        self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX, owns_client: bool = False,
        clock: Clock | None = None,
    ) -> None:  # fmt: skip
        super().__init__(client, prefix, owns_client)
        self.clock = clock
        if clock is None:
            self._incr = client.register_script(_INCR)
            self._take_leaving = client.register_script(_TAKE_LEAVING)
        else:
            self._incr = client.register_script(_INCR_BY)
            self._take_leaving = client.register_script(_TAKE_LEAVING_BY)

    def _stored(self, value: str, ttl: int) -> tuple[str, int]:
        """What Redis keeps, and for how many of its own seconds."""
        if self.clock is None:
            return value, ttl
        return f"{self.clock.now() + ttl}|{value}", ttl + REAL_KEEP

    def _value(self, raw: Any) -> str | None:
        text = _text(raw)
        if text is None or self.clock is None:
            return text
        deadline, _, value = text.partition("|")
        if not deadline.isdigit():  # written before entries carried their deadline
            return text
        return value if int(deadline) > self.clock.now() else None

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
        stored, seconds = self._stored(value, ttl)
        await self.client.set(self._key(key), stored, ex=seconds)

    async def get(self, key: str) -> str | None:
        return self._value(await self.client.get(self._key(key)))

    async def take(self, key: str, leave: tuple[str, str, int] | None = None) -> str | None:
        if leave is None:
            return self._value(await self.client.getdel(self._key(key)))
        marker, value, ttl = leave
        stored, seconds = self._stored(value, ttl)
        args: list[Any] = [stored, seconds]
        if self.clock is not None:
            args.append(self.clock.now())
        return _text(await self._take_leaving(keys=[self._key(key), self._key(marker)], args=args))

    async def delete(self, key: str) -> None:
        await self.client.delete(self._key(key))

    async def incr(self, key: str, ttl: int) -> int:
        args: list[Any] = [ttl] if self.clock is None else [ttl, self.clock.now(), REAL_KEEP]
        return int(await self._incr(keys=[self._key(key)], args=args))


# A sliding log: the set holds one member per allowed request, scored by Redis' own clock
# in milliseconds (one clock for every node). Refused requests are not recorded, so a
# client that keeps knocking is let in again once its oldest counted request slides out.
