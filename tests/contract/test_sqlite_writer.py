"""SQLite specifics of the write path: statements run on the event loop, waits do not."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.contract.test_storage import NOW, seed, token
from tokstack.storage.sql import migrate
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.repos import SqlStore


@pytest.fixture
def url(tmp_path: Path) -> str:
    migrated = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(migrated)
    return migrated


async def seeded(url: str) -> tuple[SqlStore, int, int]:
    """A store on the file, with one app and one authorization: (store, app id, its id)."""
    store = SqlStore(async_engine(url, pool_size=2, timeout=5))
    _, app_id, _, authz_id = await seed(store)
    return store, app_id, authz_id


async def test_a_writer_waiting_for_the_lock_leaves_the_event_loop_running(
    url: str, tmp_path: Path
) -> None:
    store, app_id, authz_id = await seeded(url)
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)  # e.g. a CLI process
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    write = asyncio.create_task(store.mint(authz_id, [token("a" * 64, app_id, authz_id)]))
    await asyncio.sleep(0.3)
    assert not write.done()  # it waits for the other writer...
    assert ticks >= 15  # ...without holding up everything else
    other.execute("COMMIT")
    assert await asyncio.wait_for(write, 5) == "open-1"
    ticker.cancel()
    other.close()
    await store.close()


async def test_two_processes_worth_of_writers_lose_nothing(url: str) -> None:
    """Two engines on one file (as two workers have) take turns through the file lock."""
    first, app_id, authz_id = await seeded(url)
    second = SqlStore(async_engine(url, pool_size=2, timeout=5))

    async def add(store: SqlStore, n: int) -> None:
        async with store.unit() as unit:
            await unit.tokens.add(token(f"{n:064d}", app_id, authz_id))

    await asyncio.gather(*(add(first if n % 2 else second, n) for n in range(200)))
    async with first.read() as unit:
        for n in range(200):
            stored = await unit.tokens.get(f"{n:064d}")
            assert stored is not None and stored.issued_at == NOW
    await first.close()
    await second.close()


async def test_a_write_inside_a_write_fails_at_once_instead_of_waiting_for_itself(
    url: str,
) -> None:
    store, app_id, authz_id = await seeded(url)

    async def nested() -> None:
        async with store.unit() as unit:
            await unit.tokens.add(token("a" * 64, app_id, authz_id))
            async with store.unit() as inner:
                await inner.tokens.add(token("b" * 64, app_id, authz_id))

    with pytest.raises(RuntimeError, match="inside another"):
        await asyncio.wait_for(nested(), 2)
    async with store.read() as unit:  # the outer unit failed whole
        assert await unit.tokens.get("a" * 64) is None
    assert await store.mint(authz_id, [token("c" * 64, app_id, authz_id)]) == "open-1"
    await store.close()
