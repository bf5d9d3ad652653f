"""Per-process caches dropped whenever anything that could make an entry stale changes
(see ``tokstack.storage.signals``), and bounded by a TTL."""

from __future__ import annotations

import time
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


AccessCache = VersionedCache[AccessContext]
AppCache = VersionedCache[App]
