"""``POST /v2/oauth/token/``: a registry of grants, each validating then issuing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tokstack import ids
from tokstack.domain.models import App, Authorization, Renewal, TokenRecord
from tokstack.errors import InvalidGrant, InvalidRequest, UnsupportedGrantType
from tokstack.metrics import TOKENS_ISSUED
from tokstack.oauth import codes, pkce
from tokstack.oauth.client_auth import authenticate_client
from tokstack.oauth.issuer import Pair, new_pair, token_body
from tokstack.services.context import Context
from tokstack.storage.ports import Unit

Grant = Callable[[Context, App, Mapping[str, str]], Awaitable[dict[str, Any]]]


async def _active_authorization(unit: Unit, authorization_id: int) -> Authorization:
    authorization = await unit.authorizations.active(authorization_id)
    if authorization is None:
        raise InvalidGrant(detail="authorization revoked")
    return authorization


async def authorization_code(ctx: Context, app: App, form: Mapping[str, str]) -> dict[str, Any]:
    code = form.get("code", "")
    if not code:
        raise InvalidRequest("The request is missing a required parameter: code.")
    grant, grant_id = await codes.consume(ctx, code)
    if grant.app_id != app.id:
        raise InvalidGrant(detail="code issued to another client")
    if app.platform != "mini" and form.get("redirect_uri") != grant.redirect_uri:
        # TikTok's own wording and error code for this case
        raise InvalidRequest("Redirect_uri is not matched with the uri when requesting code.")
    if grant.code_challenge is not None and not pkce.verify(
        form.get("code_verifier", ""), grant.code_challenge
    ):
        raise InvalidGrant("Code verifier or code challenge is invalid.")
    pair = new_pair(ctx, app.id, grant.authorization_id, grant.scopes, grant_id)
    open_id = await ctx.store.mint(grant.authorization_id, pair.records)
    if open_id is None:
        raise InvalidGrant(detail="authorization revoked")
    await codes.refuse_if_replayed(ctx, grant_id)
    return pair.body(open_id)


async def refresh_token(ctx: Context, app: App, form: Mapping[str, str]) -> dict[str, Any]:
    token = form.get("refresh_token", "")
    if not token:
        raise InvalidRequest("The request is missing a required parameter: refresh_token.")
    now = ctx.clock.now()
    digest = ctx.hasher.digest(token)
    rotate = ctx.policy.rotate_refresh
    access = ids.token("act", ctx.region)
    refresh = ids.token("rft", ctx.region) if rotate else token
    renewal = Renewal(
        access_digest=ctx.hasher.digest(access),
        access_expires_at=now + ctx.policy.access_ttl,
        refresh_digest=ctx.hasher.digest(refresh) if rotate else None,
        grant_id=ids.grant_id(),
    )
    renewed = await ctx.store.renew(digest, app.id, now, renewal)
    if renewed is not None:
        return token_body(
            access,
            ctx.policy.access_ttl,
            renewed.open_id,
            refresh,
            renewed.refresh_expires_at - now,
            renewed.scopes,
            new_refresh=rotate,
        )
    # Not spendable: find out why in one unit (exact error), revoking on reuse.
    body: dict[str, Any] | None = None
    async with ctx.store.unit() as unit:
        record = _check_refresh(await unit.tokens.get(digest), app, now)
        assert record.authorization_id is not None
        reused = record.rotated_at is not None or (
            rotate and not await unit.tokens.rotate(digest, now)
        )
        if reused:
            await unit.authorizations.revoke(record.authorization_id, now)
        else:
            authorization = await _active_authorization(unit, record.authorization_id)
            pair = _next_pair(ctx, record, token, rotate)
            for minted in pair.records:
                await unit.tokens.add(minted)
            body = pair.body(authorization.open_id)
    if body is None:  # refused only now that the revocation is committed
        raise InvalidGrant(detail="rotated refresh token reused; authorization revoked")
    return body


def _next_pair(ctx: Context, record: TokenRecord, token: str, rotate: bool) -> Pair:
    """The pair a refresh token is exchanged for; the refresh token's lifetime carries over."""
    assert record.authorization_id is not None
    return new_pair(
        ctx,
        record.app_id,
        record.authorization_id,
        record.scopes,
        record.grant_id or ids.grant_id(),
        keep_refresh=None if rotate else token,
        refresh_expires_at=record.expires_at,
    )


def _check_refresh(record: TokenRecord | None, app: App, now: int) -> TokenRecord:
    if record is None or record.kind != "refresh":
        raise InvalidGrant(detail="unknown refresh token")
    if record.app_id != app.id:
        raise InvalidGrant(detail="refresh token of another client")
    if record.revoked_at is not None:
        raise InvalidGrant(detail="refresh token revoked")
    if record.expires_at <= now:
        raise InvalidGrant(detail="refresh token expired")
    return record


async def client_credentials(ctx: Context, app: App, _form: Mapping[str, str]) -> dict[str, Any]:
    now = ctx.clock.now()
    token = ids.token("clt", ctx.region)
    async with ctx.store.unit() as unit:
        await unit.tokens.add(
            TokenRecord(
                digest=ctx.hasher.digest(token),
                kind="client",
                app_id=app.id,
                authorization_id=None,
                grant_id=None,
                scopes=(),
                issued_at=now,
                expires_at=now + ctx.policy.client_ttl,
            )
        )
    TOKENS_ISSUED.labels("client").inc()
    return {"access_token": token, "expires_in": ctx.policy.client_ttl, "token_type": "Bearer"}


GRANTS: dict[str, Grant] = {
    "authorization_code": authorization_code,
    "refresh_token": refresh_token,
    "client_credentials": client_credentials,
}


async def token_response(ctx: Context, form: Mapping[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise InvalidRequest("The request is missing a required parameter: grant_type.")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(detail=f"grant_type {grant_type!r}")
    app = await authenticate_client(ctx, form)
    return await grant(ctx, app, form)
