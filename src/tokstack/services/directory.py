"""Read-only listings for the operator's CLI: developers, apps and users, never secrets."""

from __future__ import annotations

from typing import Any

from tokstack.domain.models import App, Developer, User
from tokstack.services.accounts import require_app, require_user
from tokstack.services.context import Context


def developer_view(developer: Developer) -> dict[str, Any]:
    return {
        "id": developer.id,
        "name": developer.name,
        "email": developer.email,
        "portal_login": developer.password_hash is not None,
        "created_at": developer.created_at,
    }


def app_view(app: App) -> dict[str, Any]:
    return {
        "client_key": app.client_key,
        "id": app.id,
        "developer_id": app.developer_id,
        "name": app.name,
        "platform": app.platform,
        "redirect_uris": list(app.redirect_uris),
        "scopes": list(app.scopes),
        "webhook_url": app.webhook_url,
        "rate_limit_per_minute": app.rate_limit_per_minute,
        "audited": app.audited,
        "url_prefixes": list(app.url_prefixes),
        "created_at": app.created_at,
    }


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "bio_description": user.bio_description,
        "is_verified": user.is_verified,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
        "likes_count": user.likes_count,
        "video_count": user.video_count,
        "status": user.status,
        "created_at": user.created_at,
    }


async def developers(ctx: Context) -> list[dict[str, Any]]:
    async with ctx.store.read() as unit:
        return [developer_view(d) for d in await unit.developers.all()]


async def apps(ctx: Context, developer_id: int | None = None) -> list[dict[str, Any]]:
    async with ctx.store.read() as unit:
        found = (
            await unit.apps.all()
            if developer_id is None
            else await unit.apps.for_developer(developer_id)
        )
    return [app_view(a) for a in found]


async def app(ctx: Context, client_key: str) -> dict[str, Any]:
    async with ctx.store.read() as unit:
        return app_view(await require_app(unit, client_key))


async def users(ctx: Context) -> list[dict[str, Any]]:
    async with ctx.store.read() as unit:
        return [user_view(u) for u in await unit.users.all()]


async def user(ctx: Context, username: str) -> dict[str, Any]:
    async with ctx.store.read() as unit:
        return user_view(await require_user(unit, username))
