"""``FaultStore`` in the SQL database: one row per rule, its hits counted in place."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack.storage.sql.tables import emulator_faults
from tokstack.storage.sql.writer import writer_for


class SqlFaultStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = writer_for(engine)

    async def add(self, rule_id: str, body: str, now: int) -> None:
        async with self.writer.transaction() as db:
            last = (await db.execute(select(func.max(emulator_faults.c.position)))).scalar()
            await db.execute(
                insert(emulator_faults).values(
                    id=rule_id, body=body, hits=0, created_at=now, position=(last or 0) + 1
                )
            )

    async def all(self) -> list[tuple[str, str, int]]:
        async with self.engine.connect() as db:
            rows = await db.execute(
                select(
                    emulator_faults.c.id, emulator_faults.c.body, emulator_faults.c.hits
                ).order_by(emulator_faults.c.position)
            )
            return [(str(r.id), str(r.body), int(r.hits)) for r in rows]

    async def hit(self, rule_id: str, limit: int | None) -> int:
        condition = emulator_faults.c.id == rule_id
        if limit is not None:
            condition = condition & (emulator_faults.c.hits < limit)
        async with self.writer.transaction() as db:
            row = (
                await db.execute(
                    update(emulator_faults)
                    .where(condition)
                    .values(hits=emulator_faults.c.hits + 1)
                    .returning(emulator_faults.c.hits)
                )
            ).first()
        return 0 if row is None else int(row.hits)

    async def remove(self, rule_id: str) -> bool:
        async with self.writer.transaction() as db:
            result = await db.execute(
                delete(emulator_faults).where(emulator_faults.c.id == rule_id)
            )
        return bool(result.rowcount)

    async def clear(self) -> int:
        async with self.writer.transaction() as db:
            result = await db.execute(delete(emulator_faults))
        return int(result.rowcount)
