"""What a user edits on the account page, and what an operator changes from the CLI."""

from __future__ import annotations

import anyio.to_thread

from tokstack.domain.models import User
from tokstack.errors import NotFound, ValidationError
from tokstack.services import authorizations
from tokstack.services.authorizations import Reason
from tokstack.services.context import Context
from tokstack.services.passwords import hash_password, verify_password

STATS = ("follower_count", "following_count", "likes_count", "video_count")


async def update_profile(ctx: Context, user: User, display_name: str, bio: str) -> User:
    display_name = display_name.strip()
    if not display_name or len(display_name) > 64:
        raise ValidationError("Display name must be 1 to 64 characters.")
    if len(bio) > 500:
        raise ValidationError("Bio must be at most 500 characters.")
    async with ctx.store.unit() as unit:
        return await unit.users.update(
            user.id, display_name=display_name, bio_description=bio, updated_at=ctx.clock.now()
        )


async def set_avatar(ctx: Context, user: User, data: bytes) -> User:
    """A bad image raises ValidationError and the previous avatar stays in place."""
    key = await anyio.to_thread.run_sync(ctx.avatars.store, data)
    try:
        async with ctx.store.unit() as unit:
            updated = await unit.users.update(user.id, avatar_key=key, updated_at=ctx.clock.now())
    except BaseException:
        await anyio.to_thread.run_sync(ctx.avatars.delete, key)
        raise
    if user.avatar_key:
        await anyio.to_thread.run_sync(ctx.avatars.delete, user.avatar_key)
    return updated


async def change_password(ctx: Context, user: User, current: str, new: str) -> None:
    ok = await anyio.to_thread.run_sync(verify_password, current, user.password_hash)
    if not ok:
        raise ValidationError("The current password is not correct.")
    if len(new) < 8:
        raise ValidationError("Use a new password of at least 8 characters.")
    hashed = await anyio.to_thread.run_sync(hash_password, new)
    async with ctx.store.unit() as unit:
        await unit.users.update(user.id, password_hash=hashed, updated_at=ctx.clock.now())


async def operator_update(
    ctx: Context, username: str, count_videos: bool = False, **changes: int | bool | None
) -> User:
    """Stats and verification, set by an operator. A video_count set here wins over the
    user's public videos until ``count_videos`` hands it back to them."""
    values = {k: v for k, v in changes.items() if v is not None}
    if count_videos and "video_count" in values:
        raise ValidationError("give a video count or count the videos, not both")
    for name in STATS:
        if name in values and int(values[name]) < 0:
            raise ValidationError(f"{name} must not be negative")
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        if count_videos:
            values["video_count"] = await unit.videos.count_public(user.id)
            values["video_count_set"] = False
        if not values:
            return user
        return await unit.users.update(user.id, updated_at=ctx.clock.now(), **values)


async def end_account(ctx: Context, username: str, status: str) -> int:
    """Bans or deletes a user: every authorization is revoked and each app is told."""
    reason = {"banned": Reason.ACCOUNT_BANNED, "deleted": Reason.ACCOUNT_DELETED}[status]
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        revoked = await authorizations.revoke_all(ctx, unit, user, reason)
        await unit.users.update(user.id, status=status, updated_at=ctx.clock.now())
    return revoked


async def unban(ctx: Context, username: str) -> User:
    """Lets a banned user log in again; the authorizations revoked by the ban stay revoked."""
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        if user.status != "banned":
            raise ValidationError(f"user {username!r} is {user.status}, not banned")
        return await unit.users.update(user.id, status="active", updated_at=ctx.clock.now())


async def public(ctx: Context, username: str) -> User | None:
    """The user shown on ``/@username``; banned and deleted users are not shown."""
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
    return user if user is not None and user.status == "active" else None
