"""The SQL implementation of ``tokstack.storage.ports`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tokstack.deadline import within
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    AccessContext,
    App,
    Authorization,
    Developer,
    Renewal,
    Renewed,
    TokenRecord,
    User,
    WebhookEvent,
)
from tokstack.errors import Conflict, NotFound
from tokstack.storage.sql.publishes import SqlPublishes
from tokstack.storage.sql.tables import (
    apps,
    authorizations,
    developers,
    tokens,
    union_ids,
    users,
    webhook_events,
)
from tokstack.storage.sql.videos import SqlVideos
from tokstack.storage.sql.writer import writer_for


def _app(row: RowMapping) -> App:
    return App(
        id=row["id"],
        developer_id=row["developer_id"],
        client_key=row["client_key"],
        client_secret_hash=row["client_secret_hash"],
        name=row["name"],
        platform=row["platform"],
        redirect_uris=tuple(u for u in row["redirect_uris"].split("\n") if u),
        scopes=scope_list.parse(row["scopes"]),
        webhook_url=row["webhook_url"],
        created_at=row["created_at"],
        rate_limit_per_minute=row["rate_limit_per_minute"],
        client_secret_enc=row["client_secret_enc"],
        icon_key=row["icon_key"],
        audited=bool(row["audited"]),
        url_prefixes=tuple(u for u in row["url_prefixes"].split("\n") if u),
    )


_USER_COLUMNS = [
    "id",
    "username",
    "display_name",
    "password_hash",
    "bio_description",
    "is_verified",
    "follower_count",
    "following_count",
    "likes_count",
    "video_count",
    "avatar_key",
    "status",
    "created_at",
]
_USER_WRITABLE = {*_USER_COLUMNS, "updated_at", "video_count_set"}


def _user(row: RowMapping) -> User:
    values = {name: row[name] for name in _USER_COLUMNS}
    values["is_verified"] = bool(values["is_verified"])
    return User(**values)


def _authorization(row: RowMapping) -> Authorization:
    return Authorization(
        id=row["id"],
        user_id=row["user_id"],
        app_id=row["app_id"],
        open_id=row["open_id"],
        scopes=scope_list.parse(row["scopes"]),
        granted_at=row["granted_at"],
        revoked_at=row["revoked_at"],
    )


def _token(row: RowMapping) -> TokenRecord:
    return TokenRecord(
        digest=row["digest"],
        kind=row["kind"],
        app_id=row["app_id"],
        authorization_id=row["authorization_id"],
        grant_id=row["grant_id"],
        scopes=scope_list.parse(row["scopes"]),
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        rotated_at=row["rotated_at"],
    )


class _Changes:
    """Set by writes that can make a cached access context stale (revocations, users)."""

    access = False


class _Repo:
    def __init__(self, connection: AsyncConnection, changes: _Changes) -> None:
        self.db = connection
        self.changes = changes

    async def _one(self, statement: Any) -> RowMapping | None:
        return (await self.db.execute(statement)).mappings().first()

    async def _insert(self, statement: Any) -> RowMapping:
        try:
            row = (await self.db.execute(statement)).mappings().one()
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        return row


def _developer(row: RowMapping) -> Developer:
    return Developer(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        email=row["email"],
        password_hash=row["password_hash"],
    )


class SqlDevelopers(_Repo):
    async def add(
        self, name: str, now: int, email: str | None = None, password_hash: str | None = None
    ) -> Developer:
        statement = insert(developers).values(
            name=name, created_at=now, email=email, password_hash=password_hash
        )
        return _developer(await self._insert(statement.returning(developers)))

    async def get(self, developer_id: int) -> Developer | None:
        row = await self._one(select(developers).where(developers.c.id == developer_id))
        return _developer(row) if row else None

    async def all(self) -> list[Developer]:
        rows = await self.db.execute(select(developers).order_by(developers.c.id))
        return [_developer(row) for row in rows.mappings()]

    async def by_email(self, email: str) -> Developer | None:
        row = await self._one(select(developers).where(developers.c.email == email))
        return _developer(row) if row else None


class SqlApps(_Repo):
    async def add(
        self,
        *,
        developer_id: int,
        client_key: str,
        client_secret_hash: str,
        name: str,
        platform: str,
        redirect_uris: tuple[str, ...],
        scopes: tuple[str, ...],
        webhook_url: str | None,
        now: int,
        client_secret_enc: str | None = None,
    ) -> App:
        statement = insert(apps).values(
            client_secret_enc=client_secret_enc,
            developer_id=developer_id,
            client_key=client_key,
            client_secret_hash=client_secret_hash,
            name=name,
            platform=platform,
            redirect_uris="\n".join(redirect_uris),
            scopes=scope_list.format_list(scopes),
            webhook_url=webhook_url,
            created_at=now,
        )
        return _app(await self._insert(statement.returning(apps)))

    async def get(self, app_id: int) -> App | None:
        row = await self._one(select(apps).where(apps.c.id == app_id))
        return _app(row) if row else None

    async def by_client_key(self, client_key: str) -> App | None:
        row = await self._one(select(apps).where(apps.c.client_key == client_key))
        return _app(row) if row else None

    async def all(self) -> list[App]:
        rows = await self.db.execute(select(apps).order_by(apps.c.id))
        return [_app(row) for row in rows.mappings()]

    async def for_developer(self, developer_id: int) -> list[App]:
        rows = await self.db.execute(
            select(apps).where(apps.c.developer_id == developer_id).order_by(apps.c.id)
        )
        return [_app(row) for row in rows.mappings()]

    async def update(self, app_id: int, **values: Any) -> App:
        self.changes.access = True  # secrets, scopes, limits: cached apps must go
        if "redirect_uris" in values:
            values["redirect_uris"] = "\n".join(values["redirect_uris"])
        if "url_prefixes" in values:
            values["url_prefixes"] = "\n".join(values["url_prefixes"])
        if "scopes" in values:
            values["scopes"] = scope_list.format_list(values["scopes"])
        row = await self._one(
            update(apps).where(apps.c.id == app_id).values(**values).returning(apps)
        )
        if row is None:
            raise NotFound(f"app {app_id}")
        return _app(row)


class SqlUsers(_Repo):
    async def add(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str | None,
        bio_description: str,
        is_verified: bool,
        now: int,
    ) -> User:
        statement = insert(users).values(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            bio_description=bio_description,
            is_verified=is_verified,
            follower_count=0,
            following_count=0,
            likes_count=0,
            video_count=0,
            status="active",
            created_at=now,
            updated_at=now,
        )
        return _user(await self._insert(statement.returning(users)))

    async def get(self, user_id: int) -> User | None:
        row = await self._one(select(users).where(users.c.id == user_id))
        return _user(row) if row else None

    async def all(self) -> list[User]:
        rows = await self.db.execute(select(users).order_by(users.c.id))
        return [_user(row) for row in rows.mappings()]

    async def by_username(self, username: str) -> User | None:
        row = await self._one(select(users).where(users.c.username == username))
        return _user(row) if row else None

    async def update(self, user_id: int, **values: Any) -> User:
        unknown = set(values).difference(_USER_WRITABLE)
        if unknown:
            raise ValueError(f"unknown user fields: {sorted(unknown)}")
        self.changes.access = True
        if "video_count" in values:  # set by hand: no longer counted from the videos
            values.setdefault("video_count_set", True)
        row = await self._one(
            update(users).where(users.c.id == user_id).values(**values).returning(users)
        )
        if row is None:
            raise NotFound(f"user {user_id}")
        return _user(row)


class SqlAuthorizations(_Repo):
    async def ensure(self, user_id: int, app_id: int, open_id: str, now: int) -> Authorization:
        where = and_(authorizations.c.user_id == user_id, authorizations.c.app_id == app_id)
        row = await self._one(select(authorizations).where(where))
        if row is None:
            row = await self._insert(
                insert(authorizations)
                .values(user_id=user_id, app_id=app_id, open_id=open_id, scopes="")
                .returning(authorizations)
            )
        return _authorization(row)

    async def get(self, authorization_id: int) -> Authorization | None:
        row = await self._one(select(authorizations).where(authorizations.c.id == authorization_id))
        return _authorization(row) if row else None

    async def active(self, authorization_id: int) -> Authorization | None:
        # FOR SHARE (PostgreSQL; SQLite's single writer already serializes): a revocation's
        # UPDATE waits for this unit, then its token UPDATE sees what this unit minted.
        row = await self._one(
            select(authorizations)
            .where(authorizations.c.id == authorization_id, authorizations.c.revoked_at.is_(None))
            .with_for_update(read=True)
        )
        return _authorization(row) if row else None

    async def find(self, user_id: int, app_id: int) -> Authorization | None:
        row = await self._one(
            select(authorizations).where(
                authorizations.c.user_id == user_id, authorizations.c.app_id == app_id
            )
        )
        return _authorization(row) if row else None

    async def grant(self, authorization_id: int, scopes: tuple[str, ...], now: int) -> None:
        await self.db.execute(
            update(authorizations)
            .where(authorizations.c.id == authorization_id)
            .values(scopes=scope_list.format_list(scopes), granted_at=now, revoked_at=None)
        )

    async def revoke(self, authorization_id: int, now: int) -> bool:
        self.changes.access = True
        result = await self.db.execute(
            update(authorizations)
            .where(authorizations.c.id == authorization_id, authorizations.c.revoked_at.is_(None))
            .values(scopes="", revoked_at=now)
        )
        await self.db.execute(
            update(tokens)
            .where(tokens.c.authorization_id == authorization_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    async def ensure_union_id(self, user_id: int, developer_id: int, union_id: str) -> str:
        where = and_(union_ids.c.user_id == user_id, union_ids.c.developer_id == developer_id)
        found = (await self.db.execute(select(union_ids.c.union_id).where(where))).scalar()
        if found is not None:
            return str(found)
        await self.db.execute(
            insert(union_ids).values(user_id=user_id, developer_id=developer_id, union_id=union_id)
        )
        return union_id

    async def for_user(self, user_id: int) -> list[Authorization]:
        rows = await self.db.execute(
            select(authorizations)
            .where(
                authorizations.c.user_id == user_id,
                authorizations.c.revoked_at.is_(None),
                authorizations.c.granted_at.is_not(None),
            )
            .order_by(authorizations.c.granted_at.desc())
        )
        return [_authorization(row) for row in rows.mappings()]


class SqlTokens(_Repo):
    async def add(self, record: TokenRecord) -> None:
        await self.db.execute(
            insert(tokens).values(
                digest=record.digest,
                kind=record.kind,
                app_id=record.app_id,
                authorization_id=record.authorization_id,
                grant_id=record.grant_id,
                scopes=scope_list.format_list(record.scopes),
                issued_at=record.issued_at,
                expires_at=record.expires_at,
                revoked_at=record.revoked_at,
                rotated_at=record.rotated_at,
            )
        )

    # built once: the refresh grant reads a token per request
    _by_digest = select(tokens).where(tokens.c.digest == bindparam("digest"))

    async def get(self, digest: str) -> TokenRecord | None:
        row = (await self.db.execute(self._by_digest, {"digest": digest})).mappings().first()
        return _token(row) if row else None

    async def revoke(self, digest: str, now: int) -> None:
        self.changes.access = True
        await self.db.execute(
            update(tokens)
            .where(tokens.c.digest == digest, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_grant(self, grant_id: str, now: int) -> int:
        self.changes.access = True
        result = await self.db.execute(
            update(tokens)
            .where(tokens.c.grant_id == grant_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    async def rotate(self, digest: str, now: int) -> bool:
        result = await self.db.execute(
            update(tokens)
            .where(tokens.c.digest == digest, tokens.c.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return bool(result.rowcount)


class SqlWebhooks(_Repo):
    _pending = and_(webhook_events.c.delivered_at.is_(None), webhook_events.c.dead_at.is_(None))

    async def enqueue(self, app_id: int, url: str, body: str, now: int) -> None:
        await self.db.execute(
            insert(webhook_events).values(
                app_id=app_id,
                url=url,
                body=body,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
        )

    async def claim_due(self, now: int, lease: int, limit: int) -> list[WebhookEvent]:
        due = (
            select(webhook_events.c.id)
            .where(self._pending, webhook_events.c.next_attempt_at <= now)
            .order_by(webhook_events.c.next_attempt_at)
            .limit(limit)
        )
        if self.db.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = await self.db.execute(
            update(webhook_events)
            .where(webhook_events.c.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=now + lease)
            .returning(webhook_events)
        )
        return [
            WebhookEvent(
                id=row["id"],
                app_id=row["app_id"],
                url=row["url"],
                body=row["body"],
                created_at=row["created_at"],
                attempts=row["attempts"],
            )
            for row in claimed.mappings()
        ]

    async def delivered(self, event_id: int, now: int) -> None:
        await self.db.execute(
            update(webhook_events)
            .where(webhook_events.c.id == event_id)
            .values(delivered_at=now, attempts=webhook_events.c.attempts + 1, last_error=None)
        )

    async def failed(self, event_id: int, retry_at: int | None, error: str, now: int) -> None:
        values: dict[str, Any] = {
            "attempts": webhook_events.c.attempts + 1,
            "last_error": error[:500],
        }
        if retry_at is None:
            values["dead_at"] = now
        else:
            values["next_attempt_at"] = retry_at
        await self.db.execute(
            update(webhook_events).where(webhook_events.c.id == event_id).values(**values)
        )

    async def backlog(self) -> int:
        found = await self.db.execute(
            select(func.count()).select_from(webhook_events).where(self._pending)
        )
        return int(found.scalar() or 0)


class SqlUnit:
    def __init__(self, connection: AsyncConnection) -> None:
        self.changes = changes = _Changes()
        self.developers = SqlDevelopers(connection, changes)
        self.apps = SqlApps(connection, changes)
        self.users = SqlUsers(connection, changes)
        self.authorizations = SqlAuthorizations(connection, changes)
        self.tokens = SqlTokens(connection, changes)
        self.webhooks = SqlWebhooks(connection, changes)
        self.videos = SqlVideos(connection, changes)
        self.publishes = SqlPublishes(connection)


_ACCESS_QUERY = (
    select(
        tokens,
        authorizations.c.open_id,
        authorizations.c.revoked_at.label("authorization_revoked_at"),
        union_ids.c.union_id,
        apps.c.platform.label("app_platform"),
        apps.c.rate_limit_per_minute.label("app_rate_limit"),
        apps.c.client_key.label("app_client_key"),
        *(users.c[name].label(f"u_{name}") for name in _USER_COLUMNS),
    )
    .select_from(
        tokens.join(authorizations, authorizations.c.id == tokens.c.authorization_id)
        .join(apps, apps.c.id == tokens.c.app_id)
        .join(users, users.c.id == authorizations.c.user_id)
        .outerjoin(
            union_ids,
            and_(
                union_ids.c.user_id == users.c.id,
                union_ids.c.developer_id == apps.c.developer_id,
            ),
        )
    )
    .where(tokens.c.digest == bindparam("digest"))
)


# The token endpoint's writes, as plain SQL: this path runs thousands of times a second and
# SQLAlchemy's statement building and caching cost more than the database's work here.
_TOKEN_COLUMNS = (
    "digest",
    "kind",
    "app_id",
    "authorization_id",
    "grant_id",
    "scopes",
    "issued_at",
    "expires_at",
)
_ACTIVE_OPEN_ID = "SELECT open_id FROM authorizations WHERE id = ? AND revoked_at IS NULL"
# a refresh token the grant may spend: the conditions the unit path checks one by one
_SPENDABLE = (
    "t.digest = ? AND t.kind = 'refresh' AND t.app_id = ? AND t.expires_at > ?"
    " AND t.rotated_at IS NULL AND t.revoked_at IS NULL"
)
_USABLE_REFRESH = (
    "SELECT t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"  # noqa: S608
    " FROM tokens t JOIN authorizations a ON a.id = t.authorization_id"
    f" WHERE {_SPENDABLE} AND a.revoked_at IS NULL"
)
_ROTATE = "UPDATE tokens SET rotated_at = ? WHERE digest = ?"


def _token_row(record: TokenRecord) -> tuple[Any, ...]:
    return (
        record.digest,
        record.kind,
        record.app_id,
        record.authorization_id,
        record.grant_id,
        scope_list.format_list(record.scopes),
        record.issued_at,
        record.expires_at,
    )


def _flat(rows: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(value for row in rows for value in row)


@functools.cache
def _insert_tokens_sql(count: int) -> str:
    row = "(" + ", ".join("?" * len(_TOKEN_COLUMNS)) + ")"
    columns = ", ".join(_TOKEN_COLUMNS)
    return f"INSERT INTO tokens ({columns}) VALUES {', '.join([row] * count)}"  # noqa: S608 - constants


# PostgreSQL runs each write below as one statement (data-modifying CTEs) on the autocommit
# pool: one round trip, committed on its own, durable when it returns.
@functools.cache
def _pg_mint_sql(count: int) -> str:
    types = ("text", "text", "bigint", "bigint", "text", "text", "bigint", "bigint")
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    columns = ", ".join(_TOKEN_COLUMNS)
    return (
        "WITH a AS (SELECT open_id FROM authorizations WHERE id = %s AND revoked_at IS NULL"  # noqa: S608
        " FOR SHARE),"
        f" i AS (INSERT INTO tokens ({columns}) SELECT * FROM"
        f" (VALUES {', '.join([row] * count)}) AS v({columns})"
        " WHERE EXISTS (SELECT FROM a))"
        " SELECT open_id FROM a"
    )


def _pg_renew_sql(rotate: bool) -> str:
    # ``a`` locks the authorization row (FOR SHARE) like the unit path's ``active``: a revoke
    # committed first is seen by the lock's recheck, one committed later waits for this
    # statement and then revokes what it inserted.
    spend = (
        "UPDATE tokens t SET rotated_at = %(now)s FROM a"
        if rotate
        else "SELECT t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"
        " FROM tokens t, a"
    )
    returning = (
        " RETURNING t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"
        if rotate
        else ""
    )
    columns = ", ".join(_TOKEN_COLUMNS)
    return (
        "WITH a AS (SELECT id, open_id FROM authorizations"  # noqa: S608
        " WHERE id = (SELECT authorization_id FROM tokens WHERE digest = %(digest)s)"
        " AND revoked_at IS NULL FOR SHARE),"
        f" s AS ({spend} WHERE t.digest = %(digest)s AND t.kind = 'refresh'"
        " AND t.app_id = %(app_id)s AND t.expires_at > %(now)s AND t.rotated_at IS NULL"
        f" AND t.revoked_at IS NULL AND t.authorization_id = a.id{returning}),"
        f" i AS (INSERT INTO tokens ({columns})"
        " SELECT %(access)s::text, 'access', %(app_id)s::bigint, s.authorization_id,"
        " COALESCE(NULLIF(s.grant_id, ''), %(grant_id)s::text), s.scopes, %(now)s::bigint,"
        " %(access_expires_at)s::bigint FROM s"
        " UNION ALL SELECT %(refresh)s::text, 'refresh', %(app_id)s::bigint, s.authorization_id,"
        " COALESCE(NULLIF(s.grant_id, ''), %(grant_id)s::text), s.scopes, %(now)s::bigint,"
        " s.expires_at FROM s WHERE %(refresh)s::text IS NOT NULL)"
        " SELECT open_id, scopes, expires_at FROM s"
    )


_PG_RENEW = {rotate: _pg_renew_sql(rotate) for rotate in (False, True)}


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
            result = await connection.execute(_ACCESS_QUERY, {"digest": digest})
            row = result.mappings().first()
        if row is None:
            return None
        user = _user({name: row[f"u_{name}"] for name in _USER_COLUMNS})  # type: ignore[arg-type]
        token = _token(row)
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
        rows = _flat([_token_row(record) for record in records])
        if self._postgres:
            async with self.reader.begin() as connection:  # autocommit: see _pg_mint_sql
                found = await connection.exec_driver_sql(
                    _pg_mint_sql(len(records)), (authorization_id, *rows)
                )
                return found.scalar()
        async with self.writer.transaction() as connection:
            open_id = (
                await connection.exec_driver_sql(_ACTIVE_OPEN_ID, (authorization_id,))
            ).scalar()
            if open_id is None:
                return None
            await connection.exec_driver_sql(_insert_tokens_sql(len(records)), rows)
            return str(open_id)

    async def renew(
        self, refresh_digest: str, app_id: int, now: int, renewal: Renewal
    ) -> Renewed | None:
        rotate = renewal.refresh_digest is not None
        if self._postgres:
            async with self.reader.begin() as connection:  # autocommit: see _pg_mint_sql
                found = await connection.exec_driver_sql(
                    _PG_RENEW[rotate],
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
            found = await connection.exec_driver_sql(_USABLE_REFRESH, (refresh_digest, app_id, now))
            usable: Any = found.first()
            if usable is None:
                return None
            authorization_id, grant_id, scopes, expires_at, open_id = usable
            if rotate:
                await connection.exec_driver_sql(_ROTATE, (now, refresh_digest))
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
            await connection.exec_driver_sql(_insert_tokens_sql(len(rows)), _flat(rows))
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
