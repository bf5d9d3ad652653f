"""Rate limits across nodes in Redis: a sliding window per key, in one script call."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from tokstack.storage.redis_store import DEFAULT_PREFIX, Owned

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


class RedisRateLimiter(Owned):
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
