"""Ending a user's authorization of an app, and telling the app (``authorization.removed``)."""

from __future__ import annotations

from enum import IntEnum

from tokstack.domain.models import App, Authorization, User
from tokstack.errors import NotFound
from tokstack.metrics import REVOCATIONS
from tokstack.services.context import Context
from tokstack.services.webhooks import event_body
from tokstack.storage.ports import Unit


class Reason(IntEnum):
    """``content.reason`` of TikTok's ``authorization.removed`` event."""

    UNKNOWN = 0
    USER_DISCONNECTED = 1
    ACCOUNT_DELETED = 2
    AGE_CHANGED = 3
    ACCOUNT_BANNED = 4
    DEVELOPER_REVOKED = 5


def removed_event(app: App, open_id: str, reason: Reason, now: int) -> str:
    return event_body(
        app.client_key, "authorization.removed", open_id, {"reason": int(reason)}, now
    )


async def revoke(
    ctx: Context, unit: Unit, authorization: Authorization, app: App, reason: Reason
) -> bool:
    """Revokes every token of the authorization and queues the webhook in the same transaction."""
    now = ctx.clock.now()
    if not await unit.authorizations.revoke(authorization.id, now):
        return False
    REVOCATIONS.labels(reason.name.lower()).inc()
    if app.webhook_url:
        body = removed_event(app, authorization.open_id, reason, now)
        await unit.webhooks.enqueue(app.id, app.webhook_url, body, now)
    return True


async def remove_by_user(ctx: Context, user: User, authorization_id: int) -> None:
    """The account page's "Remove": only the user's own authorizations."""
    if not 0 < authorization_id < 2**63:  # past any id column: unknown, not a driver error
        raise NotFound("no such authorized app")
    async with ctx.store.unit() as unit:
        authorization = await unit.authorizations.get(authorization_id)
        if authorization is None or authorization.user_id != user.id:
            raise NotFound("no such authorized app")
        app = await unit.apps.get(authorization.app_id)
        assert app is not None
        await revoke(ctx, unit, authorization, app, Reason.USER_DISCONNECTED)


async def revoke_all(ctx: Context, unit: Unit, user: User, reason: Reason) -> int:
    count = 0
    for authorization in await unit.authorizations.for_user(user.id):
        app = await unit.apps.get(authorization.app_id)
        if app is not None and await revoke(ctx, unit, authorization, app, reason):
            count += 1
    return count
