"""``WorldView`` in the SQL database: the grants the emulator's inspector page lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack.storage.sql.tables import apps, authorizations, tokens, users


class SqlWorldView:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def grants(self, now: int, limit: int) -> list[dict[str, Any]]:
        """Newest first: who granted which app what, and how many of its tokens are live."""
        live = and_(tokens.c.revoked_at.is_(None), tokens.c.expires_at > now)

        def count(kind: str) -> Any:
            return func.sum(case((and_(live, tokens.c.kind == kind), 1), else_=0))

        query = (
            select(
                authorizations.c.id,
                users.c.username,
                apps.c.client_key,
                apps.c.name.label("app_name"),
                authorizations.c.open_id,
                authorizations.c.scopes,
                authorizations.c.granted_at,
                authorizations.c.revoked_at,
                count("access").label("live_access"),
                count("refresh").label("live_refresh"),
                func.max(case((tokens.c.kind == "access", tokens.c.expires_at))).label(
                    "access_expires_at"
                ),
            )
            .join(users, users.c.id == authorizations.c.user_id)
            .join(apps, apps.c.id == authorizations.c.app_id)
            .outerjoin(tokens, tokens.c.authorization_id == authorizations.c.id)
            .group_by(authorizations.c.id, users.c.username, apps.c.client_key, apps.c.name)
            .order_by(authorizations.c.id.desc())
            .limit(limit)
        )
        async with self.engine.connect() as db:
            rows = (await db.execute(query)).mappings().all()
        counts = ("live_access", "live_refresh")
        return [dict(row) | {name: int(row[name] or 0) for name in counts} for row in rows]
