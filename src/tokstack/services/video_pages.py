"""What tokstack's own video pages show: a user's public videos (the profile), one public
video (its page under the profile, and the embed player), and a user's own videos and
drafts (the account page). Covers and media as signed URLs."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tokstack.domain.models import User
from tokstack.domain.videos import DRAFT, Video
from tokstack.services.context import Context
from tokstack.services.videos import VideoDisplay

SHOWN = 60  # videos on a profile or account page


@dataclass(frozen=True)
class Shown:
    video: Video
    cover: str
    height: int  # of a 120 px wide thumbnail
    posted: str  # ISO 8601

    @property
    def posted_text(self) -> str:
        return self.posted.replace("T", " ").replace("Z", " UTC")


def posted(video: Video) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(video.create_time))


def _shown(display: VideoDisplay, video: Video, now: int) -> Shown:
    cover = display.cover_url(video.cover_key, now) if video.cover_key else ""
    height = round(120 * video.height / video.width) if video.width else 160
    return Shown(video, cover, height, posted(video))


async def public_videos(ctx: Context, display: VideoDisplay, user: User) -> list[Shown]:
    async with ctx.store.read() as unit:
        found = await unit.videos.page(user.id, None, SHOWN)
    now = ctx.clock.now()
    return [_shown(display, video, now) for video in found]


async def own_videos(
    ctx: Context, display: VideoDisplay, user: User
) -> tuple[list[Shown], list[Shown]]:
    """(posted videos of every privacy level, drafts waiting in the inbox), newest first."""
    async with ctx.store.read() as unit:
        found = await unit.videos.page(user.id, None, SHOWN * 2, public_only=False)
    now = ctx.clock.now()
    shown = [_shown(display, video, now) for video in found]
    posted = [s for s in shown if s.video.privacy_level != DRAFT][:SHOWN]
    drafts = [s for s in shown if s.video.privacy_level == DRAFT][:SHOWN]
    return posted, drafts


async def public_video(
    ctx: Context, video_id: str, username: str | None = None
) -> tuple[Video, User] | None:
    """A public video of an active user (of ``username`` when given), or None."""
    if not (video_id.isascii() and video_id.isdigit() and len(video_id) <= 19):
        return None
    async with ctx.store.read() as unit:
        video = await unit.videos.get(video_id)
        user = await unit.users.get(video.user_id) if video is not None else None
    if video is None or user is None or not video.public or user.status != "active":
        return None
    if username is not None and user.username != username:
        return None
    return video, user


def captions(video: Video) -> str:
    """WebVTT with the title over the whole video (the player's captions track)."""
    end = max(1, video.duration)
    text = (video.title or video.description or "Video").replace("-->", "->")
    until = f"{end // 3600:02d}:{end // 60 % 60:02d}:{end % 60:02d}.000"
    return f"WEBVTT\n\n00:00:00.000 --> {until}\n{text}\n"
