"""Write transactions: plain on PostgreSQL, group-committed on SQLite.

SQLite has one writer per database file and makes every commit durable with an fsync
(0.3-1.4 ms here). One transaction per request caps a node at a few hundred writes a second,
whatever the CPU. Group commit runs the units that queue up behind one another inside one
transaction, each in its own savepoint (a failing unit rolls back only its own writes), and
makes them all durable with a single COMMIT; no unit returns before that commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tokstack.storage.sql import sqlite_inloop

MAX_BATCH = 64
# the writer whose transaction the current task is inside, if any
_WRITING: ContextVar[object | None] = ContextVar("tokstack_writing", default=None)


class Writer(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a transaction, durable once the block has ended cleanly."""
        ...

    def close(self) -> None:
        """Releases what the writer holds besides the engine (which its owner disposes)."""
        ...


class PlainWriter:
    """One transaction per block: PostgreSQL already shares fsyncs between its backends."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.engine.begin()

    def close(self) -> None:
        pass


class FileLock:
    """An exclusive ``flock`` shared by every process writing the database.

    SQLite's own busy handler polls, sleeping 1 to 100 ms between tries; a process blocked
    in flock wakes the moment the other one commits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def _fileno(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    async def acquire(self) -> None:
        fd = self._fileno()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # the thread will get the lock anyway: give it back as soon as it does
            waiting.add_done_callback(lambda _: self.release())
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _Batch:
    def __init__(self, connection: AsyncConnection, raw: sqlite3.Connection) -> None:
        self.connection = connection
        self.raw = raw
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.size = 0
        self.broken: BaseException | None = None

    def savepoint(self, sql: str) -> None:
        """A savepoint step, on the SQLite connection itself: through SQLAlchemy these cost
        more than a unit's own statements. Its failure (I/O error) fails the batch."""
        try:
            self.raw.execute(sql)
        except sqlite3.Error as exc:
            self.broken = OperationalError(sql, None, exc)
            raise self.broken from exc


class GroupCommit:
    """Units queued behind one another share one transaction and one fsync."""

    def __init__(
        self, engine: AsyncEngine, lock: FileLock | None = None, max_batch: int = MAX_BATCH
    ) -> None:
        self.engine = engine
        self.file_lock = lock
        self.max_batch = max_batch
        self._lock = asyncio.Lock()
        self._queued = 0
        self._batch: _Batch | None = None

    def close(self) -> None:
        if self.file_lock is not None:
            self.file_lock.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        if _WRITING.get() is self:
            # it would wait for the lock its own caller holds, for ever
            raise RuntimeError("a write transaction inside another on the same SQLite writer")
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        try:
            batch = self._batch or await self._open()
            batch.savepoint("SAVEPOINT unit")
            inside = _WRITING.set(self)
            try:
                yield batch.connection
            except BaseException:
                if batch.broken is None:
                    batch.savepoint("ROLLBACK TO unit")
                    batch.savepoint("RELEASE unit")
                raise
            finally:
                _WRITING.reset(inside)
            batch.savepoint("RELEASE unit")
            batch.size += 1
        finally:
            await self._hand_over()
        # another task may be cancelled while waiting; this unit's outcome is the batch's
        await asyncio.shield(batch.done)

    async def _open(self) -> _Batch:
        if self.file_lock is not None:
            await self.file_lock.acquire()
        try:
            connection = await self.engine.connect()
            try:
                pooled = await connection.get_raw_connection()
                raw = sqlite_inloop.sqlite_connection(pooled.driver_connection)
                await connection.begin()
            except BaseException:
                await connection.close()
                raise
        except BaseException:
            if self.file_lock is not None:
                self.file_lock.release()
            raise
        self._batch = _Batch(connection, raw)
        return self._batch

    async def _hand_over(self) -> None:
        """Leaves the batch open for the next queued unit, or commits it. Holds the lock."""
        batch = self._batch
        try:
            if batch is None or (
                batch.broken is None and self._queued and batch.size < self.max_batch
            ):
                return
            self._batch = None
            await self._close(batch)
        finally:
            self._lock.release()

    async def _close(self, batch: _Batch) -> None:
        try:
            if batch.broken is None:
                await batch.connection.commit()
            else:
                await batch.connection.rollback()
        except BaseException as exc:
            batch.broken = batch.broken or exc
        finally:
            with contextlib.suppress(Exception):
                await batch.connection.close()
            if self.file_lock is not None:
                self.file_lock.release()
        if batch.broken is None:
            batch.done.set_result(None)
        else:
            batch.done.set_exception(batch.broken)
            batch.done.exception()  # marks it retrieved when no unit waits on it


_WRITERS: weakref.WeakKeyDictionary[AsyncEngine, Writer] = weakref.WeakKeyDictionary()


def writer_for(engine: AsyncEngine) -> Writer:
    """The engine's one writer: a store and an ephemeral store on one engine share it."""
    writer = _WRITERS.get(engine)
    if writer is None:
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            lock = None
            if database not in (None, "", ":memory:"):
                lock = FileLock(Path(f"{Path(str(database)).expanduser().resolve()}-writer.lock"))
            writer = GroupCommit(engine, lock)
        else:
            writer = PlainWriter(engine)
        _WRITERS[engine] = writer
    return writer
