"""The webhook outbox in SQL (durable, leased deliveries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, insert, select, update

from tokstack.domain.models import (
    WebhookEvent,
)
from tokstack.storage.sql.rows import (
    Repo,
)
from tokstack.storage.sql.tables import (
    webhook_events,
)


class SqlWebhooks(Repo):
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
