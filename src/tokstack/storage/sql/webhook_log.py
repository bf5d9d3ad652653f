"""``WebhookLog`` in the SQL database: the ``webhook_events`` rows, read for the emulator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack.storage.sql.tables import apps, webhook_events


class SqlWebhookLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def events(self, limit: int) -> list[dict[str, Any]]:
        query = (
            select(webhook_events, apps.c.client_key)
            .join(apps, apps.c.id == webhook_events.c.app_id)
            .order_by(webhook_events.c.id.desc())
            .limit(limit)
        )
        async with self.engine.connect() as db:
            rows = (await db.execute(query)).mappings().all()
        return [dict(row) for row in rows]
