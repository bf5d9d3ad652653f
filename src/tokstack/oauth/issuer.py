"""Minting token pairs: the seven-field body of ``/v2/oauth/token/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokstack import ids
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import App, Authorization, TokenRecord, User
from tokstack.metrics import TOKENS_ISSUED
from tokstack.services.context import Context
from tokstack.storage.ports import Unit


async def authorize(
    ctx: Context, unit: Unit, user: User, app: App, granted: Sequence[str]
) -> Authorization:
    """Records that ``user`` granted ``granted`` to ``app``: open_id, union_id, scopes."""
    now = ctx.clock.now()
    authorization = await unit.authorizations.ensure(user.id, app.id, ids.open_id(), now)
    await unit.authorizations.ensure_union_id(user.id, app.developer_id, ids.union_id())
    canonical = scope_list.canonical(granted)
    await unit.authorizations.grant(authorization.id, canonical, now)
    return Authorization(
        id=authorization.id,
        user_id=user.id,
        app_id=app.id,
        open_id=authorization.open_id,
        scopes=canonical,
        granted_at=now,
        revoked_at=None,
    )


async def mint_pair(
    ctx: Context,
    unit: Unit,
    authorization: Authorization,
    scopes: tuple[str, ...],
    grant_id: str,
    *,
    keep_refresh: str | None = None,
    refresh_expires_at: int | None = None,
) -> dict[str, Any]:
    """A new access token and a new refresh token, or the kept one (``keep_refresh``).

    ``refresh_expires_at`` carries a refresh token's lifetime over from its first issue.
    """
    now = ctx.clock.now()
    policy = ctx.policy
    refresh_expires = refresh_expires_at or now + policy.refresh_ttl
    access = ids.token("act", ctx.region)
    records = [(access, "access", now + policy.access_ttl)]
    refresh_token = keep_refresh or ids.token("rft", ctx.region)
    if keep_refresh is None:
        records.append((refresh_token, "refresh", refresh_expires))
    for value, kind, expires in records:
        TOKENS_ISSUED.labels(kind).inc()
        await unit.tokens.add(
            TokenRecord(
                digest=ctx.hasher.digest(value),
                kind=kind,
                app_id=authorization.app_id,
                authorization_id=authorization.id,
                grant_id=grant_id,
                scopes=scopes,
                issued_at=now,
                expires_at=expires,
            )
        )
    return {
        "access_token": access,
        "expires_in": policy.access_ttl,
        "open_id": authorization.open_id,
        "refresh_expires_in": max(0, refresh_expires - now),
        "refresh_token": refresh_token,
        "scope": scope_list.format_list(scopes),
        "token_type": "Bearer",
    }
