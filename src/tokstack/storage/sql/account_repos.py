"""Developers, apps and users in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    App,
    Developer,
    User,
)
from tokstack.errors import NotFound
from tokstack.storage.sql.rows import (
    USER_WRITABLE,
    Repo,
    row_app,
    row_developer,
    row_user,
)
from tokstack.storage.sql.tables import (
    apps,
    developers,
    users,
)


class SqlDevelopers(Repo):
    async def add(
        self, name: str, now: int, email: str | None = None, password_hash: str | None = None
    ) -> Developer:
        statement = insert(developers).values(
            name=name, created_at=now, email=email, password_hash=password_hash
        )
        return row_developer(await self._insert(statement.returning(developers)))

    async def get(self, developer_id: int) -> Developer | None:
        row = await self._one(select(developers).where(developers.c.id == developer_id))
        return row_developer(row) if row else None

    async def all(self) -> list[Developer]:
        rows = await self.db.execute(select(developers).order_by(developers.c.id))
        return [row_developer(row) for row in rows.mappings()]

    async def by_email(self, email: str) -> Developer | None:
        row = await self._one(select(developers).where(developers.c.email == email))
        return row_developer(row) if row else None


class SqlApps(Repo):
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
        return row_app(await self._insert(statement.returning(apps)))

    async def get(self, app_id: int) -> App | None:
        row = await self._one(select(apps).where(apps.c.id == app_id))
        return row_app(row) if row else None

    async def by_client_key(self, client_key: str) -> App | None:
        row = await self._one(select(apps).where(apps.c.client_key == client_key))
        return row_app(row) if row else None

    async def all(self) -> list[App]:
        rows = await self.db.execute(select(apps).order_by(apps.c.id))
        return [row_app(row) for row in rows.mappings()]

    async def for_developer(self, developer_id: int) -> list[App]:
        rows = await self.db.execute(
            select(apps).where(apps.c.developer_id == developer_id).order_by(apps.c.id)
        )
        return [row_app(row) for row in rows.mappings()]

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
        return row_app(row)


class SqlUsers(Repo):
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
        return row_user(await self._insert(statement.returning(users)))

    async def get(self, user_id: int) -> User | None:
        row = await self._one(select(users).where(users.c.id == user_id))
        return row_user(row) if row else None

    async def all(self) -> list[User]:
        rows = await self.db.execute(select(users).order_by(users.c.id))
        return [row_user(row) for row in rows.mappings()]

    async def by_username(self, username: str) -> User | None:
        row = await self._one(select(users).where(users.c.username == username))
        return row_user(row) if row else None

    async def update(self, user_id: int, **values: Any) -> User:
        unknown = set(values).difference(USER_WRITABLE)
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
        return row_user(row)
