"""``WebhookLog`` in the SQL database: the ``webhook_events`` rows and, in emulator mode,
every delivery attempt (``emulator_webhook_attempts``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack.storage.sql.tables import apps, emulator_webhook_attempts, webhook_events
from tokstack.storage.sql.writer import writer_for


class SqlWebhookLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = writer_for(engine)

    async def record(
        self, event_id: int, at: int, signature: str | None, error: str | None, retry: int | None
    ) -> None:
        async with self.writer.transaction() as db:
            await db.execute(
                insert(emulator_webhook_attempts).values(
                    event_id=event_id,
                    at=at,
                    signature=signature,
                    error=error[:500] if error else None,
                    next_attempt_at=retry,
                )
            )

    async def events(self, limit: int) -> list[dict[str, Any]]:
        query = (
            select(webhook_events, apps.c.client_key)
            .join(apps, apps.c.id == webhook_events.c.app_id)
            .order_by(webhook_events.c.id.desc())
            .limit(limit)
        )
        async with self.engine.connect() as db:
            rows = [dict(row) for row in (await db.execute(query)).mappings().all()]
            ids = [row["id"] for row in rows]
            attempts: dict[int, list[dict[str, Any]]] = defaultdict(list)
            if ids:
                tried = (
                    select(emulator_webhook_attempts)
                    .where(emulator_webhook_attempts.c.event_id.in_(ids))
                    .order_by(emulator_webhook_attempts.c.id)
                )
                for attempt in (await db.execute(tried)).mappings().all():
                    attempts[attempt["event_id"]].append(dict(attempt))
        for row in rows:
            row["attempt_log"] = attempts.get(row["id"], [])
        return rows
