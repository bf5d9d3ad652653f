"""A sliding-window rate limiter for one process (``RedisRateLimiter`` counts across nodes)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class MemoryRateLimiter:
    """At most ``limit`` requests per key in any ``window`` seconds, in this process only.

    The same sliding log as the Redis one: the times of the allowed requests are kept, and
    refused requests are not counted. ``hit`` never awaits, so it is atomic on its loop.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sweep_every: int = 1024
    ) -> None:
        self.clock = clock
        self.sweep_every = sweep_every
        self._log: dict[str, tuple[int, deque[float]]] = {}
        self._hits = 0

    async def hit(self, key: str, limit: int, window: int = 60) -> tuple[bool, int]:
        """(allowed, seconds to wait before the next request can be allowed; 0 if allowed)."""
        if window <= 0:
            return True, 0
        if limit <= 0:
            return False, window
        now = self.clock()
        self._hits += 1
        if self._hits % self.sweep_every == 0:
            self._sweep(now)
        _, times = self._log.get(key) or (window, deque())
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) < limit:
            times.append(now)
            self._log[key] = (window, times)
            return True, 0
        self._log[key] = (window, times)
        return False, max(1, math.ceil(times[0] + window - now))

    def _sweep(self, now: float) -> None:
        """Forgets keys whose every request has slid out of its window."""
        idle = [k for k, (w, times) in self._log.items() if not times or times[-1] <= now - w]
        for key in idle:
            del self._log[key]

    def __len__(self) -> int:
        return len(self._log)
