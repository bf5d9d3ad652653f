"""Checking a user's password, with throttling of repeated failures."""

from __future__ import annotations

import hashlib

import anyio.to_thread

from tokstack.domain.models import User
from tokstack.errors import SlowDown
from tokstack.services.context import Context
from tokstack.services.passwords import verify_password

WINDOW = 900
MAX_PER_USERNAME = 5
MAX_PER_CLIENT = 20


async def check_credentials(ctx: Context, username: str, password: str, client: str) -> User | None:
    """The user, or None for bad credentials; raises SlowDown after too many failures."""
    # a digest: the username is whatever was typed (up to a form's 16 KiB), the key is bounded
    typed = hashlib.sha256(username.lower().encode()).hexdigest()
    keys = (f"login-fail:u:{typed}", f"login-fail:ip:{client}")
    for key, limit in zip(keys, (MAX_PER_USERNAME, MAX_PER_CLIENT), strict=True):
        count = await ctx.ephemeral.get(key)
        if count is not None and int(count) >= limit and not await _window_over(ctx, key):
            raise SlowDown(
                "Too many failed attempts. Please wait a few minutes and try again.",
                detail=f"login throttled on {key}",
            )
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
    stored = user.password_hash if user and user.status == "active" else None
    # argon2 takes tens of milliseconds: keep it off the event loop
    ok = await anyio.to_thread.run_sync(verify_password, password, stored)
    if user is None or not ok:
        for key in keys:
            if await ctx.ephemeral.incr(key, WINDOW) == 1:
                await ctx.ephemeral.put(f"{key}:since", str(ctx.clock.now()), WINDOW)
        return None
    await ctx.ephemeral.delete(keys[0])
    return user


async def _window_over(ctx: Context, key: str) -> bool:
    """Whether the window of the first failure has passed on ``ctx.clock``: the store's TTL
    follows the system clock, an emulator's time may have been moved past it."""
    since = await ctx.ephemeral.get(f"{key}:since")
    if since is None or ctx.clock.now() - int(since) < WINDOW:
        return False
    await ctx.ephemeral.delete(key)
    await ctx.ephemeral.delete(f"{key}:since")
    return True
