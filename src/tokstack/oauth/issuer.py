"""Minting token pairs: the seven-field body of ``/v2/oauth/token/``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokstack import ids
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import App, Authorization, TokenRecord, User
from tokstack.metrics import TOKENS_ISSUED
from tokstack.services.context import Context
from tokstack.storage.ports import Unit


async def authorize(
    ctx: Context,
    unit: Unit,
    user: User,
    app: App,
    granted: Sequence[str],
    *,
    open_id: str | None = None,
    union_id: str | None = None,
) -> Authorization:
    """Records that ``user`` granted ``granted`` to ``app``: open_id, union_id, scopes.

    ``open_id`` and ``union_id`` fix the ids of a first grant (a seed document's)."""
    now = ctx.clock.now()
    fixed_open_id, fixed_union_id = open_id, union_id
    open_id, union_id = ids.open_id(), ids.union_id()
    if ctx.emulator:  # stable across resets: derived from the app's, developer's, user's names
        developer = await unit.developers.get(app.developer_id)
        owner = (developer.email or developer.name) if developer else str(app.developer_id)
        open_id = ids.stable_open_id(app.client_key, user.username)
        union_id = ids.stable_union_id(owner, user.username)
    open_id, union_id = fixed_open_id or open_id, fixed_union_id or union_id
    authorization = await unit.authorizations.ensure(user.id, app.id, open_id, now)
    await unit.authorizations.ensure_union_id(user.id, app.developer_id, union_id)
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


@dataclass(frozen=True)
class Pair:
    """A freshly minted access token and refresh token (or a kept one), not yet stored."""

    records: tuple[TokenRecord, ...]
    access: str
    refresh: str
    scopes: tuple[str, ...]
    refresh_expires_in: int
    access_expires_in: int

    def body(self, open_id: str) -> dict[str, Any]:
        """The seven-field body; counts the tokens as issued (call once they are stored)."""
        return token_body(
            self.access,
            self.access_expires_in,
            open_id,
            self.refresh,
            self.refresh_expires_in,
            self.scopes,
            new_refresh=len(self.records) > 1,
        )


def token_body(
    access: str,
    expires_in: int,
    open_id: str,
    refresh: str,
    refresh_expires_in: int,
    scopes: tuple[str, ...],
    *,
    new_refresh: bool,
) -> dict[str, Any]:
    """The seven-field body of a grant; counts the tokens as issued (they are stored)."""
    TOKENS_ISSUED.labels("access").inc()
    if new_refresh:
        TOKENS_ISSUED.labels("refresh").inc()
    return {
        "access_token": access,
        "expires_in": expires_in,
        "open_id": open_id,
        "refresh_expires_in": max(0, refresh_expires_in),
        "refresh_token": refresh,
        "scope": scope_list.format_list(scopes),
        "token_type": "Bearer",
    }


def new_pair(
    ctx: Context,
    app_id: int,
    authorization_id: int,
    scopes: tuple[str, ...],
    grant_id: str,
    *,
    keep_refresh: str | None = None,
    refresh_expires_at: int | None = None,
    fixed: tuple[str | None, str | None] = (None, None),
) -> Pair:
    """A new access token and a new refresh token, or the kept one (``keep_refresh``).

    ``refresh_expires_at`` carries a refresh token's lifetime over from its first issue;
    ``fixed`` gives the access and refresh strings instead of random ones (a seed's).
    """
    now = ctx.clock.now()
    policy = ctx.policy
    refresh_expires = refresh_expires_at or now + policy.refresh_ttl
    access = fixed[0] or ids.token("act", ctx.region)
    minted = [(access, "access", now + policy.access_ttl)]
    refresh = keep_refresh or fixed[1] or ids.token("rft", ctx.region)
    if keep_refresh is None:
        minted.append((refresh, "refresh", refresh_expires))
    records = tuple(
        TokenRecord(
            digest=ctx.hasher.digest(value),
            kind=kind,
            app_id=app_id,
            authorization_id=authorization_id,
            grant_id=grant_id,
            scopes=scopes,
            issued_at=now,
            expires_at=expires,
        )
        for value, kind, expires in minted
    )
    return Pair(
        records=records,
        access=access,
        refresh=refresh,
        scopes=scopes,
        refresh_expires_in=max(0, refresh_expires - now),
        access_expires_in=policy.access_ttl,
    )


async def mint_pair(
    ctx: Context,
    unit: Unit,
    authorization: Authorization,
    scopes: tuple[str, ...],
    grant_id: str,
    fixed: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """A new pair for ``authorization``, stored in ``unit``."""
    pair = new_pair(ctx, authorization.app_id, authorization.id, scopes, grant_id, fixed=fixed)
    for record in pair.records:
        await unit.tokens.add(record)
    return pair.body(authorization.open_id)
