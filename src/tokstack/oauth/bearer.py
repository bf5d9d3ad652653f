"""``Authorization: Bearer act.…`` -> the access context, or ``access_token_invalid``."""

from __future__ import annotations

from tokstack.domain.models import AccessContext
from tokstack.errors import AccessTokenInvalid
from tokstack.services.context import Context


def parse_bearer(header: str | None) -> str:
    if not header:
        raise AccessTokenInvalid(detail="no Authorization header")
    scheme, _, value = header.strip().partition(" ")
    token = value.strip()
    if scheme.lower() != "bearer" or not token:
        raise AccessTokenInvalid(detail="Authorization header is not a Bearer token")
    if not token.startswith("act."):
        # client (clt.) and refresh (rft.) tokens never read user data
        raise AccessTokenInvalid(detail="not a user access token")
    return token


async def lookup(ctx: Context, digest: str) -> AccessContext | None:
    cache = ctx.access_cache
    if cache is None:
        return await ctx.store.access_context(digest)
    return await cache.get_or_load(digest, lambda: ctx.store.access_context(digest))


async def authenticate(ctx: Context, header: str | None) -> AccessContext:
    token = parse_bearer(header)
    access = await lookup(ctx, ctx.hasher.digest(token))
    if access is None:
        raise AccessTokenInvalid(detail="unknown access token")
    record = access.token
    if record.kind != "access":
        raise AccessTokenInvalid(detail=f"{record.kind} token used as access token")
    if record.revoked_at is not None:
        raise AccessTokenInvalid(detail="access token revoked")
    if record.expires_at <= ctx.clock.now():
        raise AccessTokenInvalid(detail="access token expired")
    if access.user.status != "active":
        raise AccessTokenInvalid(detail=f"user is {access.user.status}")
    return access
