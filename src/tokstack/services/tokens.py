"""Operator-issued tokens (``tokstack token issue``), as if the user had consented."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokstack import ids
from tokstack.domain import scopes as scope_list
from tokstack.domain.models import App
from tokstack.errors import ValidationError
from tokstack.oauth.issuer import authorize, mint_pair
from tokstack.services.accounts import require_app, require_user
from tokstack.services.context import Context


def consented_scopes(app: App, requested: Sequence[str]) -> list[str]:
    """What a user can grant ``app`` when asked for ``requested`` (as the consent page)."""
    if not requested:
        raise ValidationError("at least one scope is required")
    # as on the consent page, basic cannot be left out; open_id alone is a Minis silent login
    if scope_list.BASIC not in requested and list(requested) != [scope_list.OPEN_ID]:
        requested = [scope_list.BASIC, *requested]
    bad = scope_list.unknown(requested)
    if bad:
        raise ValidationError(f"unknown scope(s): {', '.join(bad)}")
    not_allowed = [s for s in requested if s not in app.scopes]
    if not_allowed:
        raise ValidationError(f"app {app.client_key} is not approved for: {', '.join(not_allowed)}")
    return list(requested)


async def issue_for_user(
    ctx: Context, *, client_key: str, username: str, requested: Sequence[str]
) -> dict[str, Any]:
    async with ctx.store.unit() as unit:
        app = await require_app(unit, client_key)
        requested = consented_scopes(app, requested)
        user = await require_user(unit, username)
        if user.status != "active":
            raise ValidationError(f"user {username!r} is {user.status}")
        authorization = await authorize(ctx, unit, user, app, requested)
        return await mint_pair(ctx, unit, authorization, authorization.scopes, ids.grant_id())
