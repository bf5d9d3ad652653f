"""``client_key`` + ``client_secret`` in the form body (TikTok uses no Basic auth)."""

from __future__ import annotations

from collections.abc import Mapping

from tokstack.domain.models import App
from tokstack.errors import InvalidClient, InvalidRequest
from tokstack.services.context import Context


async def app_by_key(ctx: Context, client_key: str) -> App | None:
    """The app, from this process's cache when nothing changed since it was read."""
    cache = ctx.app_cache
    app = cache.get(client_key) if cache is not None else None
    if app is None:
        version = cache.version() if cache is not None else None
        async with ctx.store.read() as unit:
            app = await unit.apps.by_client_key(client_key)
        if app is not None and cache is not None:
            cache.put(client_key, app, version)
    return app


async def authenticate_client(ctx: Context, form: Mapping[str, str]) -> App:
    client_key = form.get("client_key", "").strip()
    secret = form.get("client_secret", "")
    if not client_key:
        raise InvalidRequest("Client key is missed in request.")
    if not secret:
        raise InvalidClient("Client secret is missed in request.")
    app = await app_by_key(ctx, client_key)
    if app is None or not ctx.hasher.matches(secret, app.client_secret_hash):
        raise InvalidClient(detail=f"bad credentials for client_key {client_key}")
    return app
