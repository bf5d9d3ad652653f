"""Emulator mode's webhooks: what was queued for each app and how its delivery went, and
``authorization.removed`` on request (the real revocation, the real event)."""

from __future__ import annotations

from typing import Any

import orjson

from tokstack.errors import NotFound, ValidationError
from tokstack.services.authorizations import Reason, revoke
from tokstack.services.context import Context
from tokstack.services.webhooks import signature_header
from tokstack.storage.ports import WebhookLog

EVENTS = ("authorization.removed",)


class EmulatorWebhooks:
    def __init__(self, ctx: Context, log: WebhookLog) -> None:
        self.ctx = ctx
        self.log = log

    async def listing(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first: target, body, the headers it is sent with, and its delivery."""
        found = []
        secrets: dict[str, str | None] = {}
        for row in await self.log.events(limit):
            key = str(row["client_key"])
            if key not in secrets:
                async with self.ctx.store.read() as unit:
                    app = await unit.apps.by_client_key(key)
                secrets[key] = self.ctx.box.open(app.client_secret_enc) if app else None
            body = str(row["body"])
            headers = {"Content-Type": "application/json"}
            if secrets[key]:  # signed as a delivery now would be
                stamp = self.ctx.clock.now()
                headers["TikTok-Signature"] = signature_header(
                    str(secrets[key]), body.encode(), stamp
                )
            state = "delivered" if row["delivered_at"] else "dead" if row["dead_at"] else "pending"
            found.append(
                {
                    "id": row["id"],
                    "client_key": key,
                    "target": row["url"],
                    "body": orjson.loads(body),
                    "headers": headers,
                    "state": state,
                    "attempts": row["attempts"],
                    "last_error": row["last_error"],
                    "created_at": row["created_at"],
                    "next_attempt_at": None if state != "pending" else row["next_attempt_at"],
                    "delivered_at": row["delivered_at"],
                    "attempt_log": [
                        {
                            "at": a["at"],
                            "headers": {"TikTok-Signature": a["signature"]}
                            if a["signature"]
                            else {},
                            "outcome": "delivered" if a["error"] is None else "failed",
                            "error": a["error"],
                            "next_attempt_at": a["next_attempt_at"],
                        }
                        for a in row["attempt_log"]
                    ],
                }
            )
        return found

    async def trigger(self, body: Any) -> dict[str, Any]:
        """``{"client_key", "username", "event": "authorization.removed", "reason": 0-5}``."""
        if not isinstance(body, dict):
            raise ValidationError("the body must be a JSON object")
        event = body.get("event", "authorization.removed")
        if event not in EVENTS:
            raise ValidationError(f"'event' must be one of {', '.join(EVENTS)}")
        reason = body.get("reason", int(Reason.USER_DISCONNECTED))
        if isinstance(reason, bool) or not isinstance(reason, int) or not 0 <= reason <= 5:
            raise ValidationError("'reason' must be an integer from 0 to 5")
        client_key, username = body.get("client_key"), body.get("username")
        for name, value in (("client_key", client_key), ("username", username)):
            if not isinstance(value, str) or not value:
                raise ValidationError(f"{name!r} must be a non-empty string")
        async with self.ctx.store.unit() as unit:
            app = await unit.apps.by_client_key(str(client_key))
            user = await unit.users.by_username(str(username))
            if app is None or user is None:
                raise NotFound(f"no app {client_key!r} or no user {username!r}")
            authorization = await unit.authorizations.find(user.id, app.id)
            if authorization is None or authorization.revoked_at is not None:
                raise NotFound(f"{username!r} has not authorized {client_key!r}")
            await revoke(self.ctx, unit, authorization, app, Reason(reason))
        return {
            "event": event,
            "reason": reason,
            "open_id": authorization.open_id,
            "queued": bool(app.webhook_url),
        }
