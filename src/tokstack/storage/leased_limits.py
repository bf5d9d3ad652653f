"""Fewer Redis round trips for rate limiting: reserve a few slots at once, spend them locally.

Every request still counts against the shared sliding window, but a process asks Redis for
up to ``limit / 100`` slots at a time (at most 100) and hands them out itself for up to a
second. Near the limit the batch shrinks to one, so small limits stay exact across nodes;
slots a process reserved but did not use before its lease ended still count, which makes
the limit at most about 1% stricter per process, never looser.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class Reserving(Protocol):
    async def reserve(
        self, key: str, limit: int, want: int, window: int = 60
    ) -> tuple[int, int]: ...


class LeasedRateLimiter:
    def __init__(
        self,
        inner: Reserving,
        max_batch: int = 100,
        lease_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.max_batch = max_batch
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._leases: dict[str, tuple[float, int]] = {}
        self._refused: dict[str, float] = {}
        self._asking: dict[str, asyncio.Event] = {}

    async def hit(self, key: str, limit: int, window: int = 60) -> tuple[bool, int]:
        now = self.clock()
        expires, left = self._leases.get(key, (0.0, 0))
        if left > 0 and now < expires:
            self._leases[key] = (expires, left - 1)
            return True, 0
        until = self._refused.get(key)
        if until is not None and now < until:  # no slot frees before then, anywhere
            return False, max(1, int(until - now + 0.999))
        asking = self._asking.get(key)
        if asking is not None:  # one reservation in flight per key: wait for its lease
            await asking.wait()
            return await self.hit(key, limit, window)
        self._asking[key] = asking = asyncio.Event()
        try:
            return await self._reserve(key, limit, window, now)
        finally:
            del self._asking[key]
            asking.set()

    async def _reserve(self, key: str, limit: int, window: int, now: float) -> tuple[bool, int]:
        batch = max(1, min(self.max_batch, limit // 100))
        granted, retry_after = await self.inner.reserve(key, limit, batch, window)
        if granted <= 0:
            self._leases.pop(key, None)
            if len(self._refused) > 100_000:
                self._refused.clear()
            self._refused[key] = now + retry_after
            return False, retry_after
        self._refused.pop(key, None)
        if len(self._leases) > 100_000:
            self._leases.clear()
        self._leases[key] = (now + min(self.lease_seconds, window), granted - 1)
        return True, 0
