"""Concurrent misses of one cache key share a load, unless something changed meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from tokstack.services.access_cache import VersionedCache
from tokstack.storage.signals import LocalSignal


class Source:
    """A slow backing store that counts its reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.value = "v1"
        self.release = asyncio.Event()

    async def load(self) -> str:
        self.reads += 1
        value = self.value
        await self.release.wait()
        return value


async def test_concurrent_misses_share_one_read() -> None:
    cache: VersionedCache[str] = VersionedCache(LocalSignal())
    source = Source()
    waiting = [asyncio.create_task(cache.get_or_load("k", source.load)) for _ in range(10)]
    await asyncio.sleep(0)
    source.release.set()
    assert await asyncio.gather(*waiting) == ["v1"] * 10
    assert source.reads == 1
    assert await cache.get_or_load("k", source.load) == "v1" and source.reads == 1


async def test_a_request_after_a_change_does_not_join_an_older_read() -> None:
    signal = LocalSignal()
    cache: VersionedCache[str] = VersionedCache(signal)
    source = Source()
    first = asyncio.create_task(cache.get_or_load("k", source.load))
    await asyncio.sleep(0)
    source.value = "v2"  # e.g. a revocation commits...
    await signal.notify()  # ...and is announced while the first read is in flight
    second = asyncio.create_task(cache.get_or_load("k", source.load))
    await asyncio.sleep(0)
    source.release.set()
    assert await first == "v1"  # concurrent with the change: either answer is fair
    assert await second == "v2"
    assert source.reads == 2
    assert await cache.get_or_load("k", source.load) == "v2"  # the stale read was not kept


async def test_a_failed_read_fails_its_waiters_and_is_not_cached() -> None:
    cache: VersionedCache[str] = VersionedCache(LocalSignal())
    gate = asyncio.Event()

    async def broken() -> str:
        await gate.wait()
        raise ConnectionError("database down")

    waiting = [asyncio.create_task(cache.get_or_load("k", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    for task in waiting:
        with pytest.raises(ConnectionError):
            await task

    async def working() -> str:
        return "back"

    assert await cache.get_or_load("k", working) == "back"


async def test_a_cancelled_read_lets_its_waiters_read_for_themselves() -> None:
    cache: VersionedCache[str] = VersionedCache(LocalSignal())
    source = Source()
    first = asyncio.create_task(cache.get_or_load("k", source.load))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_or_load("k", source.load))
    await asyncio.sleep(0)
    first.cancel()  # the client that triggered the read went away
    await asyncio.sleep(0)
    source.release.set()
    assert await second == "v1"
    assert first.cancelled()
