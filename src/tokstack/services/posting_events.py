"""The Content Posting API's webhooks (``post.publish.*``), queued in the transaction of the
change that caused them and delivered by the webhook outbox like ``authorization.removed``."""

from __future__ import annotations

from typing import Any

from tokstack.domain import posting as rules
from tokstack.domain.posting import Publish
from tokstack.domain.videos import Video
from tokstack.services.webhooks import event_body
from tokstack.storage.ports import Unit


async def _send(unit: Unit, publish: Publish, events: list[tuple[str, dict[str, Any]]],
                now: int) -> None:  # fmt: skip
    app = await unit.apps.get(publish.app_id)
    authorization = await unit.authorizations.find(publish.user_id, publish.app_id)
    if app is None or not app.webhook_url or authorization is None:
        return
    for name, content in events:
        body = event_body(
            app.client_key, name, authorization.open_id,
            {"publish_id": publish.id, **content, "publish_type": publish.kind}, now,
        )  # fmt: skip
        await unit.webhooks.enqueue(app.id, app.webhook_url, body, now)


async def settled(
    unit: Unit, publish: Publish, status: str, fail_reason: str | None, video: Video | None,
    now: int,
) -> None:  # fmt: skip
    """A publish ended processing: failed, delivered to the inbox, or posted."""
    events: list[tuple[str, dict[str, Any]]] = []
    if status == rules.FAILED:
        events.append(("post.publish.failed", {"reason": fail_reason}))
    elif status == rules.SEND_TO_USER_INBOX:
        events.append(("post.publish.inbox_delivered", {}))
    else:
        events.append(("post.publish.complete", {}))
        if video is not None and video.public:
            events.append(("post.publish.publicly_available", {"post_id": video.id}))
    await _send(unit, publish, events, now)


async def visibility_changed(
    unit: Unit, video: Video, public_before: bool, public_after: bool, now: int
) -> None:
    """A posted video became public, or stopped being public (deleted, made private)."""
    if public_before == public_after:
        return
    publish = await unit.publishes.for_video(video.id)
    if publish is None:
        return
    name = (
        "post.publish.publicly_available"
        if public_after
        else "post.publish.no_longer_publicaly_available"  # TikTok's spelling
    )
    await _send(unit, publish, [(name, {"post_id": video.id})], now)
