"""Per-process caches dropped whenever anything that could make an entry stale changes
(see ``tokstack.storage.signals``), and bounded by a TTL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from tokstack.domain.models import AccessContext, App

V = TypeVar("V")


class ChangeSignal(Protocol):
    def version(self) -> int | None: ...
    async def notify(self) -> None: ...


class VersionedCache(Generic[V]):
    def __init__(self, signal: ChangeSignal, ttl: float = 1.0, max_entries: int = 100_000) -> None:
        self.signal = signal
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, V]] = {}
        self._seen: int | None = None
        self._loading: dict[str, tuple[int | None, asyncio.Future[V | None]]] = {}

    def version(self) -> int | None:
        """The version to pass back to ``put``; read it before reading the database."""
        current = self.signal.version()
        if current != self._seen:
            self._entries.clear()
            self._seen = current
        return current

    def get(self, key: str) -> V | None:
        if self.version() is None:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > self.ttl:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: str, value: V, version: int | None) -> None:
        # Only if nothing changed while the database was read.
        if version is None or version != self.signal.version():
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic(), value)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, or ``load()``'s; concurrent misses of one key share one load.

        When an entry expires under load, every request in flight for it missed at once and
        each queried the database. A request joins a load only if nothing changed since it
        began, so none is answered with what a revocation has since undone.
        """
        value = self.get(key)
        if value is not None:
            return value
        version = self.version()
        pending = self._loading.get(key)
        if pending is not None and pending[0] == version and version is not None:
            try:
                return await asyncio.shield(pending[1])
            except asyncio.CancelledError:
                if not pending[1].cancelled():
                    raise  # this request was cancelled, not the one loading
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = (version, future)
        try:
            value = await load()
        except asyncio.CancelledError:
            future.cancel()  # its waiters load for themselves
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no waiter is required to exist
            raise
        finally:
            if self._loading.get(key, (None, None))[1] is future:
                del self._loading[key]
        if value is not None:
            self.put(key, value, version)
        future.set_result(value)
        return value


AccessCache = VersionedCache[AccessContext]
AppCache = VersionedCache[App]
