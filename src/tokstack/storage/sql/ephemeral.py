"""``EphemeralStore`` in the SQL database, for the embedded default (no Redis)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Text, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack.clock import Clock
from tokstack.storage.sql.tables import ephemeral
from tokstack.storage.sql.writer import writer_for

# Built once, with bound parameters: a code exchange runs two of these, under the write lock.
_DELETE = delete(ephemeral).where(ephemeral.c.key == bindparam("key"))
# one statement instead of a delete and an insert; SQLite and PostgreSQL share this syntax
_REPLACE = text(
    "INSERT INTO ephemeral (key, value, expires_at) VALUES (:key, :value, :expires_at)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"
)
_TAKE = _DELETE.returning(ephemeral.c.value, ephemeral.c.expires_at)
_GET = select(ephemeral.c.value).where(
    ephemeral.c.key == bindparam("key"), ephemeral.c.expires_at > bindparam("now")
)


class SqlEphemeral:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, reader: AsyncEngine | None = None
    ) -> None:
        self.engine = engine
        self.writer = writer_for(engine)
        self.reader = reader or engine
        self.clock = clock

    async def put(self, key: str, value: str, ttl: int) -> None:
        expires = self.clock.now() + ttl
        async with self.writer.transaction() as db:
            await db.execute(_REPLACE, {"key": key, "value": value, "expires_at": expires})

    async def get(self, key: str) -> str | None:
        async with self.reader.connect() as db:
            found = await db.execute(_GET, {"key": key, "now": self.clock.now()})
            value = found.scalar()
        return None if value is None else str(value)

    async def take(self, key: str, leave: tuple[str, str, int] | None = None) -> str | None:
        now = self.clock.now()
        async with self.writer.transaction() as db:
            found = await db.execute(_TAKE, {"key": key})
            row = found.first()
            if row is None or row.expires_at <= now:
                return None
            if leave is not None:
                marker, value, ttl = leave
                await db.execute(_REPLACE, {"key": marker, "value": value, "expires_at": now + ttl})
        return str(row.value)

    async def delete(self, key: str) -> None:
        async with self.writer.transaction() as db:
            await db.execute(_DELETE, {"key": key})

    async def incr(self, key: str, ttl: int) -> int:
        now = self.clock.now()
        for _ in range(3):  # a concurrent first insert of the same key: try the update again
            async with self.writer.transaction() as db:
                bumped = await db.execute(
                    update(ephemeral)
                    .where(ephemeral.c.key == key, ephemeral.c.expires_at > now)
                    .values(value=(ephemeral.c.value.cast(BigInteger) + 1).cast(Text))
                    .returning(ephemeral.c.value)
                )
                row = bumped.first()
                if row is not None:
                    return int(row.value)
                await db.execute(delete(ephemeral).where(ephemeral.c.key == key))
                try:
                    await db.execute(
                        insert(ephemeral).values(key=key, value="1", expires_at=now + ttl)
                    )
                except IntegrityError:
                    continue
                return 1
        raise RuntimeError(f"could not increment {key}")

    async def purge_expired(self) -> int:
        async with self.writer.transaction() as db:
            result = await db.execute(
                delete(ephemeral).where(ephemeral.c.expires_at <= self.clock.now())
            )
        return int(result.rowcount)
