"""``tokstack developer …`` and ``tokstack user …``: the people behind apps and tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tokstack.cli.runtime import JsonFlag, emit, emit_list, fail, run
from tokstack.services import accounts, directory, profile
from tokstack.services.context import Context

developer = typer.Typer(help="Developer accounts.", no_args_is_help=True)
user = typer.Typer(help="TikTok users.", no_args_is_help=True)


@developer.command("create")
def developer_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    email: Annotated[str | None, typer.Option(help="Portal login (with --password).")] = None,
    password: Annotated[str | None, typer.Option(help="Portal password (8+ characters).")] = None,
    json: JsonFlag = False,
) -> None:
    """Create a developer account (apps of one developer share union_ids)."""

    async def call(ctx: Context) -> Any:
        return await accounts.create_developer(ctx, name, email, password)

    created = run(call)
    payload: dict[str, Any] = {"id": created.id, "name": created.name}
    if created.email:
        payload["email"] = created.email
    emit(json, payload, f"developer {created.id} created: {created.name}")


@developer.command("list")
def developer_list(json: JsonFlag = False) -> None:
    """Every developer account."""
    rows = run(directory.developers)
    emit_list(json, rows, lambda d: f"{d['id']:>4}  {d['name']}  {d['email'] or ''}")


@user.command("create")
def user_create(
    username: Annotated[str, typer.Option()],
    display_name: Annotated[str, typer.Option()],
    password: Annotated[str | None, typer.Option()] = None,
    avatar: Annotated[Path | None, typer.Option(help="Image file (JPEG, PNG, …).")] = None,
    bio: Annotated[str, typer.Option()] = "",
    verified: Annotated[bool, typer.Option("--verified")] = False,
    json: JsonFlag = False,
) -> None:
    """Create a TikTok user who can log in and authorize apps."""
    image: bytes | None = None
    if avatar is not None:
        try:
            image = avatar.read_bytes()
        except OSError as exc:
            fail(f"cannot read avatar {avatar}: {exc.strerror}")

    async def call(ctx: Context) -> Any:
        return await accounts.create_user(
            ctx,
            username=username,
            display_name=display_name,
            password=password,
            bio=bio,
            verified=verified,
            avatar=image,
        )

    created = run(call)
    payload = directory.user_view(created)
    emit(json, payload, f"user {created.username} created (id {created.id})")


@user.command("update")
def user_update(
    username: Annotated[str, typer.Option()],
    verified: Annotated[bool | None, typer.Option("--verified/--unverified")] = None,
    followers: Annotated[int | None, typer.Option(help="follower_count")] = None,
    following: Annotated[int | None, typer.Option(help="following_count")] = None,
    likes: Annotated[int | None, typer.Option(help="likes_count")] = None,
    videos: Annotated[
        int | None, typer.Option(help="video_count (else the user's public videos)")
    ] = None,
    count_videos: Annotated[
        bool, typer.Option("--count-videos", help="video_count counts public videos again")
    ] = False,
    json: JsonFlag = False,
) -> None:
    """Operator changes: verification and profile statistics."""

    async def call(ctx: Context) -> Any:
        return await profile.operator_update(
            ctx,
            username,
            is_verified=verified,
            follower_count=followers,
            following_count=following,
            likes_count=likes,
            video_count=videos,
            count_videos=count_videos,
        )

    updated = run(call)
    payload = directory.user_view(updated)
    emit(json, payload, f"user {updated.username} updated")


def _end_account(username: str, status: str, as_json: bool) -> None:
    async def call(ctx: Context) -> Any:
        return await profile.end_account(ctx, username, status)

    revoked = run(call)
    emit(
        as_json,
        {"username": username, "status": status, "authorizations_revoked": revoked},
        f"user {username} {status}; {revoked} authorization(s) revoked, apps notified",
    )


@user.command("ban")
def user_ban(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """Ban a user: tokens stop working, apps get authorization.removed (reason 4)."""
    _end_account(username, "banned", json)


@user.command("delete")
def user_delete(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """Delete a user: tokens stop working, apps get authorization.removed (reason 2)."""
    _end_account(username, "deleted", json)


@user.command("list")
def user_list(json: JsonFlag = False) -> None:
    """Every user, with status and statistics."""
    rows = run(directory.users)
    emit_list(
        json, rows, lambda u: f"{u['id']:>4}  {u['username']}  {u['display_name']}  {u['status']}"
    )


@user.command("show")
def user_show(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """One user."""

    async def call(ctx: Context) -> Any:
        return await directory.user(ctx, username)

    shown = run(call)
    emit(json, shown, "\n".join(f"{k}: {v}" for k, v in shown.items()))


@user.command("unban")
def user_unban(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """Let a banned user log in again (revoked authorizations stay revoked)."""

    async def call(ctx: Context) -> Any:
        return await profile.unban(ctx, username)

    unbanned = run(call)
    emit(json, directory.user_view(unbanned), f"user {unbanned.username} is active again")
