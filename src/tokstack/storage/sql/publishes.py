"""``PublishRepo`` on SQL: Content Posting API publishes, and the processing job's leases.

Every change that must not race is one conditional UPDATE: a chunk is counted only if the
upload still stands where the PUT says it starts, a job is claimed only while its lease has
run out, and a job is finished only while it is still processing (a cancel may win).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from tokstack.domain.posting import PENDING, Publish
from tokstack.storage.sql.tables import publishes

_COLUMNS = tuple(c.name for c in publishes.columns)


def _publish(row: RowMapping) -> Publish:
    return Publish(**{name: row[name] for name in _COLUMNS})


class SqlPublishes:
    def __init__(self, connection: AsyncConnection) -> None:
        self.db = connection

    async def add(self, publish: Publish) -> Publish:
        await self.db.execute(insert(publishes).values(**asdict(publish)))
        return publish

    async def get(self, publish_id: str) -> Publish | None:
        rows = await self.db.execute(select(publishes).where(publishes.c.id == publish_id))
        found = rows.mappings().first()
        return _publish(found) if found else None

    async def advance(self, publish_id: str, start: int, end: int, ready: bool, now: int) -> bool:
        """Counts the bytes ``start``..``end`` in, if the upload stands at ``start``."""
        result = await self.db.execute(
            update(publishes)
            .where(
                publishes.c.id == publish_id,
                publishes.c.uploaded_bytes == start,
                publishes.c.status.in_(PENDING),
            )
            .values(uploaded_bytes=end, ready=ready, updated_at=now)
        )
        return bool(result.rowcount)

    async def claim_due(self, now: int, lease: int, limit: int) -> list[Publish]:
        """Jobs whose bytes are all in and whose lease ran out (a worker that died mid-way)."""
        pending = and_(
            publishes.c.ready.is_(True),
            publishes.c.status.in_(PENDING),
            publishes.c.lease_until <= now,
        )
        due = select(publishes.c.id).where(pending).order_by(publishes.c.updated_at).limit(limit)
        if self.db.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = await self.db.execute(
            update(publishes)
            .where(publishes.c.id.in_(due.scalar_subquery()), pending)
            .values(lease_until=now + lease, attempts=publishes.c.attempts + 1)
            .returning(publishes)
        )
        return [_publish(row) for row in claimed.mappings()]

    async def finish(self, publish_id: str, now: int, **values: Any) -> bool:
        """Sets the outcome (status, fail_reason, video_id) if it is still processing."""
        result = await self.db.execute(
            update(publishes)
            .where(publishes.c.id == publish_id, publishes.c.status.in_(PENDING))
            .values(updated_at=now, lease_until=0, **values)
        )
        return bool(result.rowcount)

    async def finish_download(self, publish_id: str, size: int) -> None:
        await self.db.execute(
            update(publishes).where(publishes.c.id == publish_id).values(downloaded_bytes=size)
        )

    async def for_video(self, video_id: str) -> Publish | None:
        rows = await self.db.execute(select(publishes).where(publishes.c.video_id == video_id))
        found = rows.mappings().first()
        return _publish(found) if found else None

    async def set_status(self, publish_id: str, old: str, new: str, now: int) -> bool:
        result = await self.db.execute(
            update(publishes)
            .where(publishes.c.id == publish_id, publishes.c.status == old)
            .values(status=new, updated_at=now)
        )
        return bool(result.rowcount)

    async def count_since(self, user_id: int, kind: str, since: int) -> int:
        """The user's publishes of a kind created since then, failed ones aside."""
        statement = select(func.count()).where(
            publishes.c.user_id == user_id,
            publishes.c.kind == kind,
            publishes.c.created_at >= since,
            publishes.c.status != "FAILED",
        )
        return int((await self.db.execute(statement)).scalar_one())

    async def with_status(self, user_id: int, kind: str, status: str) -> list[Publish]:
        statement = (
            select(publishes)
            .where(
                publishes.c.user_id == user_id,
                publishes.c.kind == kind,
                publishes.c.status == status,
            )
            .order_by(publishes.c.created_at.desc())
        )
        return [_publish(row) for row in (await self.db.execute(statement)).mappings()]

    async def upload_keys(self) -> list[tuple[str, int]]:
        """(upload_key, chunk count) of every file upload (a reset deletes their chunks)."""
        statement = select(publishes.c.upload_key, publishes.c.total_chunk_count).where(
            publishes.c.upload_key != ""
        )
        return [(row[0], row[1]) for row in await self.db.execute(statement)]
