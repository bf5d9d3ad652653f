"""``VideoRepo`` on SQL: a user's videos, newest first, in pages by creation time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tokstack.domain.videos import Video
from tokstack.errors import Conflict
from tokstack.storage.sql.tables import users, videos

_COLUMNS = tuple(c.name for c in videos.columns)
assert tuple(Video.__dataclass_fields__) == _COLUMNS  # rows map onto the record by position


def _video(row: RowMapping) -> Video:
    return Video(**{name: row[name] for name in _COLUMNS})


def _pages(before: bool, public_only: bool) -> Select[Any]:
    """A page query, built once: /v2/video/list/ runs it on every request."""
    conditions = [videos.c.user_id == bindparam("user_id")]
    if before:
        conditions.append(videos.c.create_time < bindparam("before"))
    if public_only:
        conditions.append(videos.c.privacy_level == "PUBLIC_TO_EVERYONE")
    return (
        select(videos)
        .where(and_(*conditions))
        .order_by(videos.c.create_time.desc(), videos.c.id.desc())
        .limit(bindparam("limit"))
    )


_PAGES = {(b, p): _pages(b, p) for b in (False, True) for p in (False, True)}


class SqlVideos:
    def __init__(self, connection: AsyncConnection, changes: Any) -> None:
        self.db = connection
        self.changes = changes  # a count moved: cached user info must go

    async def _count(self, user_id: int, delta: int) -> None:
        """The user's video_count follows their public videos, unless an operator set it."""
        await self.db.execute(
            update(users)
            .where(users.c.id == user_id, users.c.video_count_set.is_(False))
            .values(video_count=users.c.video_count + delta)
        )
        self.changes.access = True

    async def add(self, video: Video) -> Video:
        try:
            await self.db.execute(insert(videos).values(**asdict(video)))
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        if video.public:
            await self._count(video.user_id, 1)
        return video

    async def set_privacy(self, video_id: str, privacy_level: str, create_time: int) -> bool:
        """A draft posted (or a video's privacy changed); the count follows."""
        found = await self.get(video_id)
        if found is None:
            return False
        await self.db.execute(
            update(videos)
            .where(videos.c.id == video_id)
            .values(privacy_level=privacy_level, create_time=create_time)
        )
        now_public = privacy_level == "PUBLIC_TO_EVERYONE"
        if now_public != found.public:
            await self._count(found.user_id, 1 if now_public else -1)
        return True

    async def get(self, video_id: str) -> Video | None:
        row = (await self.db.execute(select(videos).where(videos.c.id == video_id))).mappings()
        found = row.first()
        return _video(found) if found else None

    async def page(
        self, user_id: int, before: int | None, limit: int, public_only: bool = True
    ) -> list[Video]:
        """Newest first, created strictly before ``before`` (UNIX seconds) when given."""
        statement = _PAGES[(before is not None, public_only)]
        values = {"user_id": user_id, "before": before, "limit": limit}
        rows = await self.db.execute(statement, values)
        return [Video(*row) for row in rows]

    async def of_user(self, user_id: int, ids: Sequence[str]) -> list[Video]:
        """The videos among ``ids`` that are the user's, in the order of ``ids``."""
        statement = select(videos).where(videos.c.user_id == user_id, videos.c.id.in_(ids))
        found = {row["id"]: _video(row) for row in (await self.db.execute(statement)).mappings()}
        return [found[i] for i in ids if i in found]

    async def count_public(self, user_id: int) -> int:
        statement = select(func.count()).where(
            videos.c.user_id == user_id, videos.c.privacy_level == "PUBLIC_TO_EVERYONE"
        )
        return int((await self.db.execute(statement)).scalar_one())

    async def blob_keys(self) -> list[str]:
        """Every cover and media key (a reset deletes their files)."""
        rows = await self.db.execute(select(videos.c.cover_key, videos.c.media_key))
        return [key for row in rows for key in row if key]

    async def remove(self, video_id: str) -> Video | None:
        found = await self.get(video_id)
        if found is not None:
            await self.db.execute(delete(videos).where(videos.c.id == video_id))
            if found.public:
                await self._count(found.user_id, -1)
        return found
