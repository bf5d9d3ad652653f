"""The SQL implementation of ``tokstack.storage.ports`` (SQLite and PostgreSQL): a unit of
work over the repositories, and the store that hands units out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tokstack.deadline import within
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    AccessContext,
    Renewal,
    Renewed,
    TokenRecord,
)
from tokstack.storage.sql.account_repos import SqlApps, SqlDevelopers, SqlUsers
from tokstack.storage.sql.grant_repos import SqlAuthorizations, SqlTokens
from tokstack.storage.sql.hot_queries import (
    ACCESS_QUERY,
    ACTIVE_OPEN_ID,
    PG_RENEW,
    ROTATE,
    USABLE_REFRESH,
    flat,
    insert_tokens_sql,
    pg_mint_sql,
    token_row,
)
from tokstack.storage.sql.publishes import SqlPublishes
from tokstack.storage.sql.rows import (
    USER_COLUMNS,
    Changes,
    row_token,
    row_user,
)
from tokstack.storage.sql.videos import SqlVideos
from tokstack.storage.sql.webhook_repo import SqlWebhooks
from tokstack.storage.sql.writer import writer_for


class SqlUnit:
    def __init__(self, connection: AsyncConnection) -> None:
        self.changes = changes = Changes()
        self.developers = SqlDevelopers(connection, changes)
        self.apps = SqlApps(connection, changes)
        self.users = SqlUsers(connection, changes)
        self.authorizations = SqlAuthorizations(connection, changes)
        self.tokens = SqlTokens(connection, changes)
        self.webhooks = SqlWebhooks(connection, changes)
        self.videos = SqlVideos(connection, changes)
        self.publishes = SqlPublishes(connection)


class SqlStore:
    """Owns the engine; hands out one transaction per unit of work."""

    def __init__(
        self,
        engine: AsyncEngine,
        reader: AsyncEngine | None = None,
        on_change: Callable[[], Awaitable[None]] | None = None,
        timeout: float = 5.0,
    ) -> None:
        # Client-side bound on one storage call: a frozen server never answers, so its
        # statement_timeout cannot fire. The user-info path's cache misses rely on it.
        self.timeout = timeout
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self.writer = writer_for(engine)
        self.reader = reader or engine  # SQLite: reads need not wait for the write lock
        self.on_change = on_change

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[SqlUnit]:
        async with self.writer.transaction() as connection:
            unit = SqlUnit(connection)
            yield unit
        if unit.changes.access and self.on_change is not None:
            await self.on_change()  # after the commit, so readers see the new state

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlUnit]:
        """A unit for reads only: on SQLite it does not take the write lock."""
        async with self.reader.connect() as connection:
            yield SqlUnit(connection)

    async def access_context(self, digest: str) -> AccessContext | None:
        return await within(self.timeout, self._access_context(digest))

    async def _access_context(self, digest: str) -> AccessContext | None:
        async with self.reader.connect() as connection:
            result = await connection.execute(ACCESS_QUERY, {"digest": digest})
            row = result.mappings().first()
        if row is None:
            return None
        user = row_user({name: row[f"u_{name}"] for name in USER_COLUMNS})  # type: ignore[arg-type]
        token = row_token(row)
        if token.revoked_at is None and row["authorization_revoked_at"] is not None:
            # a token of a revoked authorization is revoked, whatever its own row says
            token = replace(token, revoked_at=row["authorization_revoked_at"])
        return AccessContext(
            token=token,
            user=user,
            open_id=row["open_id"],
            union_id=row["union_id"] or "",
            app_platform=row["app_platform"],
            app_rate_limit=row["app_rate_limit"],
            client_key=row["app_client_key"],
        )

    async def mint(self, authorization_id: int, records: Sequence[TokenRecord]) -> str | None:
        rows = flat([token_row(record) for record in records])
        if self._postgres:
            async with self.reader.begin() as connection:  # autocommit: see _pg_mint_sql
                found = await connection.exec_driver_sql(
                    pg_mint_sql(len(records)), (authorization_id, *rows)
                )
                return found.scalar()
        async with self.writer.transaction() as connection:
            open_id = (
                await connection.exec_driver_sql(ACTIVE_OPEN_ID, (authorization_id,))
            ).scalar()
            if open_id is None:
                return None
            await connection.exec_driver_sql(insert_tokens_sql(len(records)), rows)
            return str(open_id)

    async def renew(
        self, refresh_digest: str, app_id: int, now: int, renewal: Renewal
    ) -> Renewed | None:
        rotate = renewal.refresh_digest is not None
        if self._postgres:
            async with self.reader.begin() as connection:  # autocommit: see _pg_mint_sql
                found = await connection.exec_driver_sql(
                    PG_RENEW[rotate],
                    {
                        "digest": refresh_digest,
                        "app_id": app_id,
                        "now": now,
                        "access": renewal.access_digest,
                        "access_expires_at": renewal.access_expires_at,
                        "refresh": renewal.refresh_digest,
                        "grant_id": renewal.grant_id,
                    },
                )
                spent: Any = found.first()
            if spent is None:
                return None
            return Renewed(spent.open_id, scope_list.parse(spent.scopes), spent.expires_at)
        async with self.writer.transaction() as connection:
            found = await connection.exec_driver_sql(USABLE_REFRESH, (refresh_digest, app_id, now))
            usable: Any = found.first()
            if usable is None:
                return None
            authorization_id, grant_id, scopes, expires_at, open_id = usable
            if rotate:
                await connection.exec_driver_sql(ROTATE, (now, refresh_digest))
            minted = [(renewal.access_digest, "access", renewal.access_expires_at)]
            if renewal.refresh_digest is not None:
                minted.append((renewal.refresh_digest, "refresh", expires_at))
            rows = [
                (
                    digest,
                    kind,
                    app_id,
                    authorization_id,
                    grant_id or renewal.grant_id,
                    scopes,
                    now,
                    expires,
                )
                for digest, kind, expires in minted
            ]
            await connection.exec_driver_sql(insert_tokens_sql(len(rows)), flat(rows))
            return Renewed(str(open_id), scope_list.parse(scopes), expires_at)

    async def ping(self) -> None:
        await within(self.timeout, self._ping())

    async def _ping(self) -> None:
        async with self.reader.connect() as connection:
            await connection.execute(select(1))

    async def close(self) -> None:
        self.writer.close()
        await self.engine.dispose()
        if self.reader is not self.engine:
            await self.reader.dispose()
