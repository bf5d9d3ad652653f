"""A user's videos for operators (``tokstack video create/list/delete``) and the account
page: all of them, private too."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from tokstack.domain import posting as rules
from tokstack.domain.models import User
from tokstack.domain.videos import DRAFT, MAX_TEXT, PRIVACY_LEVELS, SOURCES, Video, new_id
from tokstack.errors import NotFound, ValidationError
from tokstack.services import media, posting_events
from tokstack.services.context import Context

MAX_LISTED = 10_000


def _row(username: str, video: Video) -> dict[str, Any]:
    row = asdict(video)
    for private in ("user_id", "media_key", "cover_key"):
        row.pop(private)
    return {"username": username, **row}


async def create(
    ctx: Context, username: str, source: Path, *, title: str = "", description: str = "",
    privacy_level: str = "PUBLIC_TO_EVERYONE", counts: dict[str, int] | None = None,
    is_aigc: bool = False, origin: str = "cli", staging: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A video from a media file (copied in; the source stays): probed, its cover cut from
    its first frame."""
    if privacy_level not in PRIVACY_LEVELS:
        raise ValidationError(f"privacy level must be one of {', '.join(PRIVACY_LEVELS)}")
    if len(title) > MAX_TEXT or len(description) > 2200:
        raise ValidationError(f"a title holds at most {MAX_TEXT} characters")
    counts = counts or {}
    if any(value < 0 for value in counts.values()):
        raise ValidationError("counts must not be negative")
    assert origin in SOURCES
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    fd, name = tempfile.mkstemp(dir=staging, prefix="media-")
    os.close(fd)
    copy = Path(name)
    try:
        await asyncio.to_thread(shutil.copyfile, source, copy)
        info = await asyncio.to_thread(media.probe, copy)
        if info is None:
            raise ValidationError(f"{source.name} is not a video this server can read")
        media_key, cover_key = await asyncio.to_thread(media.keep, ctx.avatars.blobs, copy)
    finally:
        copy.unlink(missing_ok=True)  # noqa: ASYNC240  (moved away when kept)
    video = Video(
        id=new_id(), user_id=user.id, create_time=ctx.clock.now(), title=title,
        description=description, duration=max(1, round(info.duration_ms / 1000)),
        width=info.width, height=info.height, privacy_level=privacy_level,
        like_count=counts.get("likes", 0), comment_count=counts.get("comments", 0),
        share_count=counts.get("shares", 0), view_count=counts.get("views", 0),
        is_aigc=is_aigc, source=origin, media_key=media_key, cover_key=cover_key,
    )  # fmt: skip
    try:
        async with ctx.store.unit() as unit:
            await unit.videos.add(video)
    except BaseException:
        await asyncio.to_thread(ctx.avatars.blobs.delete, media_key)
        await asyncio.to_thread(ctx.avatars.blobs.delete, cover_key)
        raise
    return _row(username, video)


async def for_user(ctx: Context, username: str) -> list[dict[str, Any]]:
    """Newest first, every privacy level, without the storage keys."""
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        found = await unit.videos.page(user.id, None, MAX_LISTED, public_only=False)
    return [_row(username, video) for video in found]


async def delete(ctx: Context, video_id: str, owner: User | None = None) -> dict[str, Any]:
    """Removes the video and its files (``owner``: only if it is theirs); an app that posted
    it is told it is no longer public."""
    now = ctx.clock.now()
    async with ctx.store.unit() as unit:
        found = await unit.videos.get(video_id)
        if found is None or (owner is not None and found.user_id != owner.id):
            raise NotFound(f"no video {video_id!r}")
        removed = await unit.videos.remove(video_id)
        assert removed is not None
        await posting_events.visibility_changed(unit, removed, removed.public, False, now)
    for key in (removed.cover_key, removed.media_key):
        if key:
            await asyncio.to_thread(ctx.avatars.blobs.delete, key)
    return {"id": video_id, "deleted": True}


async def post_draft(ctx: Context, owner: User, video_id: str, privacy_level: str) -> None:
    """The creator posts an upload from their inbox (the account page's drafts): the publish
    becomes PUBLISH_COMPLETE and the app that uploaded it is told."""
    if privacy_level not in PRIVACY_LEVELS:
        raise ValidationError(f"privacy level must be one of {', '.join(PRIVACY_LEVELS)}")
    now = ctx.clock.now()
    async with ctx.store.unit() as unit:
        found = await unit.videos.get(video_id)
        if found is None or found.user_id != owner.id or found.privacy_level != DRAFT:
            raise NotFound(f"no draft {video_id!r}")
        await unit.videos.set_privacy(video_id, privacy_level, now)
        publish = await unit.publishes.for_video(video_id)
        if publish is not None and await unit.publishes.set_status(
            publish.id, rules.SEND_TO_USER_INBOX, rules.PUBLISH_COMPLETE, now
        ):
            posted = replace(found, privacy_level=privacy_level, create_time=now)
            await posting_events.settled(unit, publish, rules.PUBLISH_COMPLETE, None, posted, now)


async def change_privacy(ctx: Context, owner: User, video_id: str, privacy_level: str) -> None:
    """The creator changes who can watch a posted video; an app that posted it is told when
    it becomes public or stops being public."""
    if privacy_level not in PRIVACY_LEVELS:
        raise ValidationError(f"privacy level must be one of {', '.join(PRIVACY_LEVELS)}")
    now = ctx.clock.now()
    async with ctx.store.unit() as unit:
        found = await unit.videos.get(video_id)
        if found is None or found.user_id != owner.id or found.privacy_level == DRAFT:
            raise NotFound(f"no video {video_id!r}")
        await unit.videos.set_privacy(video_id, privacy_level, found.create_time)
        after = replace(found, privacy_level=privacy_level)
        await posting_events.visibility_changed(unit, after, found.public, after.public, now)
