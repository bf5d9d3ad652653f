"""Engines for the plain URLs operators paste (``sqlite:///f.db``, ``postgresql://u@h/db``)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tokstack.storage.sql import sqlite_inloop


def driver_url(url: str, *, asynchronous: bool) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def ensure_sqlite_dir(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; FULL keeps every commit durable.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_immediate(engine: AsyncEngine) -> None:
    # SQLite upgrades a reading transaction to a writing one by failing at once when another
    # writer is active ("database is locked"); taking the write lock up front makes writers
    # queue on busy_timeout instead.
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "connect", connect)
    event.listen(engine.sync_engine, "begin", begin)


IDLE_PING = 0.5  # seconds a pooled PostgreSQL connection may sit unused before a ping


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """SQLAlchemy's pessimistic-disconnect recipe, for idle connections only: raising
    DisconnectionError makes the pool drop this connection and check out another."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    except Exception as exc:
        raise DisconnectionError(f"pooled connection is dead: {exc}") from exc
    finally:
        with contextlib.suppress(Exception):
            cursor.close()


def async_engine(url: str, *, pool_size: int, timeout: float, writer: bool = True) -> AsyncEngine:
    """An engine; on SQLite, ``writer`` engines take the write lock when a transaction begins."""
    target = driver_url(url, asynchronous=True)
    ensure_sqlite_dir(target)
    kwargs: dict[str, Any] = {}
    if target.get_backend_name() == "postgresql":
        # After a PostgreSQL restart every pooled connection is dead, and each one failed a
        # request when load first reached it (measured: 503s 22 s after a restart). A
        # connection idle for IDLE_PING seconds is pinged at checkout (_ping_if_idle); busy
        # ones are not (a ping per checkout cost a third of the token endpoint's req/s), and
        # the first one found dead invalidates the whole pool. TCP keepalives close
        # connections to a server that vanished without a word.
        kwargs = {
            # a fixed pool: overflow connections are closed on return, so under load they
            # were opened and closed hundreds of times a second
            "pool_size": pool_size,
            "max_overflow": 0,
            "pool_timeout": timeout,
            "connect_args": {
                "connect_timeout": max(1, int(timeout)),
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                # bounds every statement, so no request waits on the database for longer
                "options": f"-c statement_timeout={int(timeout * 1000)}",
            },
        }
        if not writer:  # single-statement reads need no BEGIN/ROLLBACK round trips
            kwargs["isolation_level"] = "AUTOCOMMIT"
    elif writer:
        # One writing connection per process: writers queue here, in-process, instead of in
        # SQLite's busy handler, which sleeps in 1-100 ms steps.
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": timeout}
    if target.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"async_creator_fn": sqlite_inloop.connect}
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "postgresql":
        event.listen(engine.sync_engine, "checkin", _checked_in)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        if writer:
            _begin_immediate(engine)
    return engine
