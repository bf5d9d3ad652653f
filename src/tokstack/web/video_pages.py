"""tokstack's own video pages: a video under its creator's profile (``share_url``), the
embed player (``embed_link``), their captions, and the signed media URL they play."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tokstack.domain.models import User
from tokstack.domain.videos import Video
from tokstack.errors import PageNotFound
from tokstack.services import video_pages
from tokstack.services.videos import VideoDisplay
from tokstack.web.authorize_routes import browser
from tokstack.web.container import Container
from tokstack.web.forms import first_values
from tokstack.web.pages import embeddable_page, page

PIECE = 256 * 1024


def _display(container: Container) -> VideoDisplay:
    assert container.videos is not None  # built with every container
    return container.videos


async def _found(
    container: Container, video_id: str, username: str | None = None
) -> tuple[Video, User]:
    found = await video_pages.public_video(container.ctx, video_id, username)
    if found is None:
        raise PageNotFound("There is no such video, or it is not public.")
    return found


def _urls(container: Container, video_media: str | None, cover: str | None) -> tuple[str, str]:
    now, display = container.ctx.clock.now(), _display(container)
    return (
        display.media_url(video_media, now) if video_media else "",
        display.cover_url(cover, now) if cover else "",
    )


@browser
async def video_page(request: Request, container: Container, log_id: str) -> Response:
    video, user = await _found(
        container, request.path_params["video_id"], request.path_params["username"]
    )
    media, cover = _urls(container, video.media_key, video.cover_key)
    shown = video_pages.Shown(video, cover, 0, video_pages.posted(video))
    return page(
        "video.html", video=video, user=user, media=media, cover=cover,
        posted_iso=shown.posted, posted_text=shown.posted_text,
    )  # fmt: skip


@browser
async def player(request: Request, container: Container, log_id: str) -> Response:
    video, user = await _found(container, request.path_params["video_id"])
    media, cover = _urls(container, video.media_key, video.cover_key)
    return embeddable_page(
        "player.html", video=video, username=user.username, media=media, cover=cover
    )


@browser
async def captions(request: Request, container: Container, log_id: str) -> Response:
    video, _ = await _found(container, request.path_params["video_id"])
    return Response(video_pages.captions(video), media_type="text/vtt")


def _kind(head: bytes) -> str:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"


async def _pieces(handle: BinaryIO, first: bytes) -> AsyncIterator[bytes]:
    try:
        yield first
        while piece := await anyio.to_thread.run_sync(handle.read, PIECE):
            yield piece
    finally:
        handle.close()


async def media(request: Request) -> Response:
    """A signed media URL (6 hours): the file, streamed (never whole in memory)."""
    container: Container = request.app.state.container
    query = first_values(request)
    handle = await anyio.to_thread.run_sync(
        _display(container).open_media,
        request.path_params["name"],
        query.get("x-expires", ""),
        query.get("x-signature", ""),
        container.ctx.clock.now(),
    )
    if handle is None:
        return Response(b"Forbidden", status_code=403, media_type="text/plain")
    first = await anyio.to_thread.run_sync(handle.read, PIECE)
    return StreamingResponse(
        _pieces(handle, first),
        media_type=_kind(first[:12]),
        headers={"Cache-Control": "private, max-age=3600"},
    )
