"""``WorldWipe`` for the SQL database (and Redis, when it holds the ephemeral entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:  # redis-py is imported only where Redis is configured
    from tokstack.storage.redis_store import RedisEphemeral
from tokstack.storage.sql.tables import (
    apps,
    authorizations,
    developers,
    emulator_faults,
    emulator_webhook_attempts,
    ephemeral,
    publishes,
    tokens,
    union_ids,
    users,
    videos,
    webhook_events,
)
from tokstack.storage.sql.writer import writer_for

# children before parents (foreign keys)
ORDER = (
    emulator_webhook_attempts,
    tokens,
    webhook_events,
    authorizations,
    union_ids,
    publishes,
    apps,
    videos,
    users,
    developers,
    ephemeral,
    emulator_faults,
)


class SqlWipe:
    def __init__(self, engine: AsyncEngine, redis: RedisEphemeral | None = None) -> None:
        self.writer = writer_for(engine)
        self.redis = redis

    async def wipe(self) -> None:
        async with self.writer.transaction() as db:  # one transaction: all or nothing
            for table in ORDER:
                await db.execute(delete(table))
        if self.redis is not None:
            await self.redis.clear()
