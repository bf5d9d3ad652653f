"""Change signals: how every process learns that cached access data may be stale.

A signal has a ``version`` that changes whenever a token, an authorization or a user changed
anywhere; ``None`` means "cannot tell right now" and turns caching off.

- ``LocalSignal``: one process.
- ``FileSignal``: the processes of one machine (the embedded default with ``--workers N``),
  through an 8-byte memory-mapped file; reading it costs a memory load.
- ``RedisSignal``: every node, through the Redis revocation bus; while the bus is not
  subscribed the version is ``None``. A change is confirmed by every node before
  ``notify`` returns (or the cache TTL has passed).
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # redis-py is imported only where Redis is configured
    from tokstack.storage.redis_bus import RedisRevocationBus, RevocationEvent

log = logging.getLogger("tokstack.signals")


class LocalSignal:
    def __init__(self) -> None:
        self._version = 0

    def version(self) -> int | None:
        return self._version

    async def notify(self) -> None:
        self._version += 1


class FileSignal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)
            self._map = mmap.mmap(fd, 8)
        finally:
            os.close(fd)

    def version(self) -> int | None:
        return int(struct.unpack_from("<q", self._map)[0])

    async def notify(self) -> None:
        # A fresh nanosecond stamp differs from every value any process has seen.
        struct.pack_into("<q", self._map, 0, time.time_ns())

    def close(self) -> None:
        self._map.close()


class RedisSignal:
    """``notify`` returns once every subscribed node has dropped its caches (each
    acknowledges through Redis), or after ``confirm_within`` seconds, the cache TTL, when
    whatever a silent node still holds has expired anyway. So once a revocation has been
    answered, no node answers from a cache for the revoked token."""

    def __init__(self, bus: RedisRevocationBus, confirm_within: float = 1.0) -> None:
        self.bus = bus
        self.confirm_within = confirm_within
        self._version = 0

    def version(self) -> int | None:
        return self._version if self.bus.subscribed else None

    def on_event(self, _event: RevocationEvent) -> None:
        self._version += 1

    async def notify(self) -> None:
        self._version += 1
        try:
            if self.confirm_within <= 0:  # no cache to wait for
                await self.bus.publish(None, None)
            elif not await self.bus.publish_confirmed(self.confirm_within):
                log.warning("a node did not confirm a revocation within the cache TTL")
        except Exception as exc:  # other nodes fall back to the cache TTL
            log.warning("could not publish a revocation: %s", exc)

    def start(self) -> None:
        self.bus.start(self.on_event)
