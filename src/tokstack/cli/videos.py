"""``tokstack video …``: a user's videos, made from real media files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tokstack.cli.runtime import JsonFlag, emit, emit_list, run
from tokstack.services import video_catalog
from tokstack.services.context import Context

video = typer.Typer(help="Users' videos.", no_args_is_help=True)


@video.command("create")
def video_create(
    username: Annotated[str, typer.Option()],
    file: Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)],
    title: Annotated[str, typer.Option()] = "",
    description: Annotated[str, typer.Option()] = "",
    privacy: Annotated[str, typer.Option(help="PUBLIC_TO_EVERYONE, SELF_ONLY, ...")] = (
        "PUBLIC_TO_EVERYONE"
    ),
    likes: Annotated[int, typer.Option(min=0)] = 0,
    comments: Annotated[int, typer.Option(min=0)] = 0,
    shares: Annotated[int, typer.Option(min=0)] = 0,
    views: Annotated[int, typer.Option(min=0)] = 0,
    aigc: Annotated[bool, typer.Option("--aigc", help="is_aigc")] = False,
    json: JsonFlag = False,
) -> None:
    """Add a video from a media file (MP4, MOV or WebM): probed, its cover its first frame."""
    counts = {"likes": likes, "comments": comments, "shares": shares, "views": views}

    async def call(ctx: Context) -> dict[str, Any]:
        return await video_catalog.create(
            ctx, username, file, title=title, description=description, privacy_level=privacy,
            counts=counts, is_aigc=aigc,
        )  # fmt: skip

    made = run(call)
    emit(json, made, f"video {made['id']} created for {username} ({made['duration']} s)")


@video.command("list")
def video_list(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """The user's videos, newest first (private ones too)."""

    async def call(ctx: Context) -> list[dict[str, Any]]:
        return await video_catalog.for_user(ctx, username)

    rows = run(call)
    emit_list(
        json, rows, lambda v: f"{v['id']}  {v['create_time']}  {v['privacy_level']}  {v['title']}"
    )


@video.command("delete")
def video_delete(video_id: Annotated[str, typer.Option("--id")], json: JsonFlag = False) -> None:
    """Delete a video and its files."""

    async def call(ctx: Context) -> dict[str, Any]:
        return await video_catalog.delete(ctx, video_id)

    emit(json, run(call), f"video {video_id} deleted")
