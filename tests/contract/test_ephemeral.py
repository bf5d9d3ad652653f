"""One ``EphemeralStore`` contract, run unchanged against SQL (SQLite) and Redis.

Time passes through ``Backend.pass_time``: the SQL store reads a ``FrozenClock`` that is
moved on; Redis keeps its own clock, so there the tests use 1-2 s TTLs and really sleep;
Redis in emulator mode (``redis-emulated``) expires entries by the clock it is given, as SQL.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services import REDIS_URL, unavailable
from tokstack.clock import FrozenClock
from tokstack.storage.ports import EphemeralStore
from tokstack.storage.redis_store import RedisEphemeral, connect
from tokstack.storage.sql import migrate
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.ephemeral import SqlEphemeral


@dataclass
class Backend:
    store: EphemeralStore
    clock: FrozenClock | None  # None: the backend keeps real time

    async def pass_time(self, seconds: float) -> None:
        if self.clock is not None:
            self.clock.advance(math.ceil(seconds))
        else:
            await asyncio.sleep(seconds)


@pytest.fixture(
    params=[
        "sql",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis-emulated", marks=pytest.mark.redis),
    ]
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sql":
        url = f"sqlite:///{tmp_path / 'ephemeral.db'}"
        migrate.upgrade(url)
        engine = async_engine(url, pool_size=2, timeout=5)
        clock = FrozenClock()
        yield Backend(SqlEphemeral(engine, clock), clock)
        await engine.dispose()
        return
    async with _redis() as (client, prefix):
        if request.param == "redis-emulated":
            clock = FrozenClock()
            yield Backend(RedisEphemeral(client, prefix=prefix, clock=clock), clock)
        else:
            yield Backend(RedisEphemeral(client, prefix=prefix), None)


@asynccontextmanager
async def _redis() -> AsyncIterator[tuple[Any, str]]:
    """A client and a fresh key prefix, emptied afterwards; a skip when Redis is down."""
    client = connect(REDIS_URL, timeout=2.0)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        unavailable("redis", str(exc).splitlines()[0])
    prefix = f"tokstack-test:{secrets.token_hex(6)}:"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_put_get_and_overwrite(backend: Backend) -> None:
    store = backend.store
    assert await store.get("missing") is None
    await store.put("code:a", "first", 60)
    assert await store.get("code:a") == "first"
    assert await store.get("code:a") == "first"  # reading does not consume
    await store.put("code:a", "second", 60)
    assert await store.get("code:a") == "second"
    await store.put("code:b", '{"json": "é ✓"}', 60)
    assert await store.get("code:b") == '{"json": "é ✓"}'
    assert await store.get("code:a") == "second"


async def test_values_expire_and_overwrite_restarts_the_ttl(backend: Backend) -> None:
    store = backend.store
    await store.put("short", "v", 1)
    await store.put("taken-late", "v", 1)
    await store.put("renewed", "old", 1)
    await store.put("renewed", "new", 60)
    assert await store.get("short") == "v"
    await backend.pass_time(1.2)
    assert await store.get("short") is None
    assert await store.take("taken-late") is None
    assert await store.get("renewed") == "new"


async def test_take_returns_the_value_once(backend: Backend) -> None:
    store = backend.store
    await store.put("once", "secret", 60)
    assert await store.take("once") == "secret"
    assert await store.take("once") is None
    assert await store.get("once") is None
    assert await store.take("never") is None


async def test_concurrent_takes_see_the_value_exactly_once(backend: Backend) -> None:
    store = backend.store
    await store.put("race", "winner", 60)
    results = await asyncio.gather(*(store.take("race") for _ in range(20)))
    assert [r for r in results if r is not None] == ["winner"]


async def test_delete(backend: Backend) -> None:
    store = backend.store
    await store.put("gone", "v", 60)
    await store.put("kept", "v", 60)
    await store.delete("gone")
    await store.delete("gone")  # deleting what is not there is fine
    await store.delete("never-there")
    assert await store.get("gone") is None
    assert await store.get("kept") == "v"


async def test_incr_counts_within_a_window_that_starts_at_the_first_increment(
    backend: Backend,
) -> None:
    store = backend.store
    assert [await store.incr("tries", 2) for _ in range(3)] == [1, 2, 3]
    assert await store.incr("other", 2) == 1
    await backend.pass_time(1)
    assert await store.incr("tries", 2) == 4  # does not push the window out
    assert await store.get("tries") == "4"  # a counter reads like any value (login throttling)
    await backend.pass_time(1.2)
    assert await store.get("tries") is None
    assert await store.incr("tries", 2) == 1
    assert await store.incr("tries", 2) == 2


async def test_concurrent_increments_are_all_counted(backend: Backend) -> None:
    store = backend.store
    counts = await asyncio.gather(*(store.incr("burst", 60) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))
    assert await store.incr("burst", 60) == 21


async def test_take_can_leave_a_marker_atomically(backend: Backend) -> None:
    store = backend.store
    await store.put("code", "grant", 60)
    assert await store.take("code", leave=("used", "g1", 60)) == "grant"
    assert await store.get("used") == "g1"
    assert await store.take("code", leave=("used", "g2", 60)) is None
    assert await store.get("used") == "g1"  # nothing taken, nothing left


@pytest.mark.redis
async def test_in_emulator_mode_redis_keeps_an_entry_while_the_clock_is_frozen() -> None:
    """Redis' own clock moves on; the emulated one does not: a 1 s code still answers."""
    async with _redis() as (client, prefix):
        clock = FrozenClock()
        store = RedisEphemeral(client, prefix=prefix, clock=clock)
        await store.put("code", "v", 1)
        assert await store.incr("tries", 1) == 1
        await asyncio.sleep(1.5)
        assert await store.get("code") == "v"
        assert await store.incr("tries", 1) == 2
        clock.advance(1)
        assert await store.get("code") is None
        assert await store.incr("tries", 1) == 1
        # entries an earlier version wrote (no deadline of their own) still read, and count
        await client.set(f"{prefix}eph:old", "plain", ex=60)
        await client.set(f"{prefix}eph:old-tries", "3", ex=60)
        assert await store.get("old") == "plain"
        assert await store.take("old", ("old-used", "1", 60)) == "plain"
        assert await store.incr("old-tries", 60) == 1
