"""A user's videos for operators (``tokstack video list/delete``): all of them, private too."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tokstack.errors import NotFound
from tokstack.services.context import Context

MAX_LISTED = 10_000


async def for_user(ctx: Context, username: str) -> list[dict[str, Any]]:
    """Newest first, every privacy level, without the storage keys."""
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        found = await unit.videos.page(user.id, None, MAX_LISTED, public_only=False)
    rows = []
    for video in found:
        row = asdict(video)
        for private in ("user_id", "media_key", "cover_key"):
            row.pop(private)
        rows.append({"username": username, **row})
    return rows


async def delete(ctx: Context, video_id: str) -> dict[str, Any]:
    """Removes the video and its files."""
    async with ctx.store.unit() as unit:
        removed = await unit.videos.remove(video_id)
    if removed is None:
        raise NotFound(f"no video {video_id!r}")
    for key in (removed.cover_key, removed.media_key):
        if key:
            ctx.avatars.blobs.delete(key)
    return {"id": video_id, "deleted": True}
