"""Minting token pairs: the seven-field body of ``/v2/oauth/token/``."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from tokstack import ids
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import App, Authorization, TokenRecord, User
from tokstack.services.context import Context
from tokstack.storage.ports import Unit


def new_grant_id() -> str:
    """Groups every token descended from one code exchange (or one CLI issue)."""
    return secrets.token_hex(16)


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
    refresh: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """A new access token, plus a new refresh token unless ``refresh`` (token, expiry) is kept."""
    now = ctx.clock.now()
    policy = ctx.policy
    access = ids.token("act", ctx.region)
    await unit.tokens.add(
        TokenRecord(
            digest=ctx.hasher.digest(access),
            kind="access",
            app_id=authorization.app_id,
            authorization_id=authorization.id,
            grant_id=grant_id,
            scopes=scopes,
            issued_at=now,
            expires_at=now + policy.access_ttl,
        )
    )
    if refresh is None:
        refresh_token, refresh_expires = ids.token("rft", ctx.region), now + policy.refresh_ttl
        await unit.tokens.add(
            TokenRecord(
                digest=ctx.hasher.digest(refresh_token),
                kind="refresh",
                app_id=authorization.app_id,
                authorization_id=authorization.id,
                grant_id=grant_id,
                scopes=scopes,
                issued_at=now,
                expires_at=refresh_expires,
            )
        )
    else:
        refresh_token, refresh_expires = refresh
    return {
        "access_token": access,
        "expires_in": policy.access_ttl,
        "open_id": authorization.open_id,
        "refresh_expires_in": max(0, refresh_expires - now),
        "refresh_token": refresh_token,
        "scope": scope_list.format_list(scopes),
        "token_type": "Bearer",
    }
