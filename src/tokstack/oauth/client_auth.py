"""``client_key`` + ``client_secret`` in the form body (TikTok uses no Basic auth)."""

from __future__ import annotations

from collections.abc import Mapping

from tokstack.domain.models import App
from tokstack.errors import InvalidClient, InvalidRequest
from tokstack.services.context import Context


async def app_by_key(ctx: Context, client_key: str) -> App | None:
    """The app, from this process's cache when nothing changed since it was read."""

    async def load() -> App | None:
        async with ctx.store.read() as unit:
            return await unit.apps.by_client_key(client_key)

    cache = ctx.app_cache
    return await (load() if cache is None else cache.get_or_load(client_key, load))


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
