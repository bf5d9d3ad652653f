"""``tokstack video …``: a user's videos (creating one from a media file comes with the
videos issue's media part)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tokstack.cli.runtime import JsonFlag, emit, emit_list, run
from tokstack.services import video_catalog
from tokstack.services.context import Context

video = typer.Typer(help="Users' videos.", no_args_is_help=True)


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
