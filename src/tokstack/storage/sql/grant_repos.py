"""Authorizations and tokens in SQL."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, insert, select, update

from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    Authorization,
    TokenRecord,
)
from tokstack.storage.sql.rows import (
    Repo,
    row_authorization,
    row_token,
)
from tokstack.storage.sql.tables import (
    authorizations,
    tokens,
    union_ids,
)


class SqlAuthorizations(Repo):
    async def ensure(self, user_id: int, app_id: int, open_id: str, now: int) -> Authorization:
        where = and_(authorizations.c.user_id == user_id, authorizations.c.app_id == app_id)
        row = await self._one(select(authorizations).where(where))
        if row is None:
            row = await self._insert(
                insert(authorizations)
                .values(user_id=user_id, app_id=app_id, open_id=open_id, scopes="")
                .returning(authorizations)
            )
        return row_authorization(row)

    async def get(self, authorization_id: int) -> Authorization | None:
        row = await self._one(select(authorizations).where(authorizations.c.id == authorization_id))
        return row_authorization(row) if row else None

    async def active(self, authorization_id: int) -> Authorization | None:
        # FOR SHARE (PostgreSQL; SQLite's single writer already serializes): a revocation's
        # UPDATE waits for this unit, then its token UPDATE sees what this unit minted.
        row = await self._one(
            select(authorizations)
            .where(authorizations.c.id == authorization_id, authorizations.c.revoked_at.is_(None))
            .with_for_update(read=True)
        )
        return row_authorization(row) if row else None

    async def find(self, user_id: int, app_id: int) -> Authorization | None:
        row = await self._one(
            select(authorizations).where(
                authorizations.c.user_id == user_id, authorizations.c.app_id == app_id
            )
        )
        return row_authorization(row) if row else None

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
        return [row_authorization(row) for row in rows.mappings()]


class SqlTokens(Repo):
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
        return row_token(row) if row else None

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
