"""SQLite on the event loop's own thread, behind the interface SQLAlchemy's aiosqlite dialect uses.

aiosqlite runs every statement on a helper thread: each one is a queue hand-off and a wake-up
of the event loop, which cost more CPU than SQLite's own work on an indexed row (a few
microseconds), and under load the GIL hand-over stretches every hop. A statement that can
wait is what threads are for here: COMMIT (an fsync) and BEGIN (another writer's lock) still
run on a thread, everything else runs inline. Written by hand because no library offers an
in-loop adapter; it is the small surface ``sqlalchemy.dialects.sqlite.aiosqlite`` calls.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_MAY_WAIT = ("BEGIN", "COMMIT", "END")


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        if sql.lstrip()[:6].upper().startswith(_MAY_WAIT):
            await asyncio.to_thread(self._cursor.execute, sql, parameters)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Inline:
    """Stands in for aiosqlite's request queue, which SQLAlchemy feeds to set isolation_level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class Connection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _Inline()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self._conn.cursor())

    async def commit(self) -> None:
        if self._conn.in_transaction:
            await asyncio.to_thread(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


def sqlite_connection(driver_connection: Any) -> sqlite3.Connection:
    """The sqlite3 connection under a pooled connection's ``driver_connection``."""
    if not isinstance(driver_connection, Connection):
        raise TypeError(f"not an in-loop SQLite connection: {type(driver_connection)!r}")
    return driver_connection._conn


async def connect(database: str, **kwargs: Any) -> Connection:
    """The ``async_creator_fn`` SQLAlchemy calls instead of ``aiosqlite.connect``."""
    # COMMIT and BEGIN run on pool threads, so the connection is shared between threads;
    # SQLAlchemy never runs two statements on one connection at once.
    kwargs["check_same_thread"] = False
    return Connection(sqlite3.connect(database, **kwargs))
