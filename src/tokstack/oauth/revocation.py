"""``POST /v2/oauth/revoke/`` (RFC 7009): success even for unknown or already revoked tokens."""

from __future__ import annotations

from collections.abc import Mapping

from tokstack.errors import InvalidRequest
from tokstack.oauth.client_auth import authenticate_client
from tokstack.services import authorizations
from tokstack.services.authorizations import Reason
from tokstack.services.context import Context


async def revoke(ctx: Context, form: Mapping[str, str]) -> None:
    app = await authenticate_client(ctx, form)
    token = form.get("token", "")
    if not token:
        raise InvalidRequest("The request is missing a required parameter: token.")
    now = ctx.clock.now()
    async with ctx.store.unit() as unit:
        record = await unit.tokens.get(ctx.hasher.digest(token))
        if record is None or record.app_id != app.id:
            return  # another app's token is not touched, and we do not say so
        authorization = (
            await unit.authorizations.get(record.authorization_id)
            if record.authorization_id is not None
            else None
        )
        if authorization is None:
            await unit.tokens.revoke(record.digest, now)
        else:
            await authorizations.revoke(ctx, unit, authorization, app, Reason.DEVELOPER_REVOKED)
