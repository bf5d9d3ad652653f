"""Rows to domain records, and the base of the SQL repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    App,
    Authorization,
    Developer,
    TokenRecord,
    User,
)
from tokstack.errors import Conflict


def row_app(row: RowMapping) -> App:
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


USER_COLUMNS = [
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
USER_WRITABLE = {*USER_COLUMNS, "updated_at", "video_count_set"}


def row_user(row: RowMapping) -> User:
    values = {name: row[name] for name in USER_COLUMNS}
    values["is_verified"] = bool(values["is_verified"])
    return User(**values)


def row_authorization(row: RowMapping) -> Authorization:
    return Authorization(
        id=row["id"],
        user_id=row["user_id"],
        app_id=row["app_id"],
        open_id=row["open_id"],
        scopes=scope_list.parse(row["scopes"]),
        granted_at=row["granted_at"],
        revoked_at=row["revoked_at"],
    )


def row_token(row: RowMapping) -> TokenRecord:
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


class Changes:
    """Set by writes that can make a cached access context stale (revocations, users)."""

    access = False


class Repo:
    def __init__(self, connection: AsyncConnection, changes: Changes) -> None:
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


def row_developer(row: RowMapping) -> Developer:
    return Developer(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        email=row["email"],
        password_hash=row["password_hash"],
    )
