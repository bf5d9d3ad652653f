"""The Content Posting API's requests: creator info, the video inits (direct post and
upload to drafts), status and cancel. Media transfer is services/uploads.py; the processing
job services/publisher.py."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import orjson

from tokstack.domain import posting as rules
from tokstack.domain.models import AccessContext, App
from tokstack.domain.posting import PostInfo, PostingError, Publish
from tokstack.domain.videos import PRIVACY_LEVELS
from tokstack.errors import InvalidParams, PostingRefused, ScopeNotAuthorized
from tokstack.services import pull_urls
from tokstack.services.blobs import delete_all
from tokstack.services.context import Context
from tokstack.services.uploads import Uploads

PUBLISH_SCOPE, UPLOAD_SCOPE = "video.publish", "video.upload"
DAY = 86_400
AVATAR_TTL = 2 * 3600  # creator_avatar_url lives two hours


def require_scope(access: AccessContext, *wanted: str) -> None:
    if not set(wanted) & set(access.token.scopes):
        raise ScopeNotAuthorized(detail=f"token lacks {' or '.join(wanted)}")


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidParams("The body must be a JSON object.", detail="body not an object")
    return body


def refused(error: PostingError) -> Exception:
    if error.code == "invalid_params":
        return InvalidParams(str(error), detail=str(error))
    return PostingRefused(error.code, error.status, str(error))


class Posting:
    def __init__(self, ctx: Context, uploads: Uploads, wake: Callable[[], None] | None) -> None:
        self.ctx = ctx
        self.uploads = uploads
        self.wake = wake  # this process's publisher, for PULL_FROM_URL (nothing to upload)

    async def app_of(self, access: AccessContext) -> App:
        async with self.ctx.store.read() as unit:
            app = await unit.apps.get(access.token.app_id)
        if app is None:  # deleted under a live token: the token dies with it
            raise ScopeNotAuthorized(detail="app gone")
        return app

    async def posted_today(self, access: AccessContext, kind: str) -> int:
        async with self.ctx.store.read() as unit:
            since = self.ctx.clock.now() - DAY
            return await unit.publishes.count_since(access.user.id, kind, since)

    async def creator_info(self, access: AccessContext) -> dict[str, Any]:
        require_scope(access, PUBLISH_SCOPE)
        if await self.posted_today(access, rules.DIRECT_POST) >= rules.DAILY_POSTS:
            raise PostingRefused(
                "spam_risk_too_many_posts", 403, "The creator has posted too much in 24 hours."
            )
        user, now = access.user, self.ctx.clock.now()
        avatars = self.ctx.avatars
        expires = (now + AVATAR_TTL) // 3600 * 3600
        return {
            "creator_avatar_url": (
                avatars.url(user.avatar_key, "avatar_url", expires) if user.avatar_key else ""
            ),
            "creator_username": user.username,
            "creator_nickname": user.display_name,
            "privacy_level_options": list(PRIVACY_LEVELS),
            "comment_disabled": False,
            "duet_disabled": False,
            "stitch_disabled": False,
            "max_video_post_duration_sec": rules.MAX_DURATION_SEC,
        }

    async def check_rules(self, access: AccessContext, app: App, kind: str, privacy: str) -> None:
        """Unaudited apps post SELF_ONLY; the daily post cap and the pending inbox cap."""
        if kind == rules.DIRECT_POST:
            if not app.audited and privacy != "SELF_ONLY":
                raise PostingRefused(
                    "unaudited_client_can_only_post_to_private_accounts",
                    403,
                    "Unaudited apps can only post SELF_ONLY: audit the app, or post with "
                    "privacy_level SELF_ONLY.",
                )
            if await self.posted_today(access, kind) >= rules.DAILY_POSTS:
                raise PostingRefused(
                    "spam_risk_too_many_posts", 403, "The creator has posted too much in 24 hours."
                )
        elif await self.posted_today(access, kind) >= rules.PENDING_SHARES:
            raise PostingRefused(
                "spam_risk_too_many_pending_share",
                403,
                f"At most {rules.PENDING_SHARES} uploads to a creator's inbox in 24 hours.",
            )

    async def init(self, access: AccessContext, body: Any, kind: str) -> dict[str, Any]:
        """``video/init`` (DIRECT_POST, video.publish) or ``inbox/video/init`` (INBOX_SHARE,
        video.upload): a publish id, and for FILE_UPLOAD where to PUT the chunks."""
        require_scope(access, PUBLISH_SCOPE if kind == rules.DIRECT_POST else UPLOAD_SCOPE)
        body = json_object(body)
        app = await self.app_of(access)
        try:
            source, source_info = rules.source(body.get("source_info"))
            info = PostInfo()
            if kind == rules.DIRECT_POST:
                info = rules.post_info(body.get("post_info"), PRIVACY_LEVELS)
            plan = rules.upload_plan(source_info) if source == rules.FILE_UPLOAD else None
            url = None
            if source == rules.PULL_FROM_URL:
                url = pull_urls.checked(source_info["video_url"], app, self.ctx.emulator)
        except PostingError as exc:
            raise refused(exc) from None
        await self.check_rules(access, app, kind, info.privacy_level)
        now = self.ctx.clock.now()
        publish = Publish(
            id=rules.new_publish_id(kind, source),
            app_id=app.id,
            user_id=access.user.id,
            kind=kind,
            source=source,
            status=rules.PROCESSING_UPLOAD if plan else rules.PROCESSING_DOWNLOAD,
            created_at=now,
            updated_at=now,
            post_info=orjson.dumps(asdict(info)).decode(),
            video_size=plan.video_size if plan else 0,
            chunk_size=plan.chunk_size if plan else 0,
            total_chunk_count=plan.total_chunk_count if plan else 0,
            video_url=url,
            upload_key=f"up{secrets.token_hex(12)}" if plan else "",
            upload_expires_at=now + rules.UPLOAD_URL_TTL,
            ready=plan is None,  # a pull is processed at once
            video_id=str(7 * 10**18 + secrets.randbelow(10**18)),
        )
        async with self.ctx.store.unit() as unit:
            await unit.publishes.add(publish)
        if plan is None:
            if self.wake is not None:
                self.wake()
            return {"publish_id": publish.id}
        return {"publish_id": publish.id, "upload_url": self.uploads.url(publish)}

    async def _mine(self, access: AccessContext, body: Any) -> Publish:
        require_scope(access, PUBLISH_SCOPE, UPLOAD_SCOPE)
        publish_id = json_object(body).get("publish_id")
        if not isinstance(publish_id, str) or not publish_id or len(publish_id) > 64:
            raise InvalidParams("publish_id is required.", detail="no publish_id")
        async with self.ctx.store.read() as unit:
            publish = await unit.publishes.get(publish_id)
        mine = publish is not None and (publish.app_id, publish.user_id) == (
            access.token.app_id,
            access.user.id,
        )
        if publish is None or not mine:  # another app's or user's: as if it did not exist
            raise InvalidParams("The publish_id was not found.", detail="unknown publish_id")
        return publish

    async def status(self, access: AccessContext, body: Any) -> dict[str, Any]:
        publish = await self._mine(access, body)
        data: dict[str, Any] = {"status": publish.status}
        if publish.status == rules.FAILED:
            data["fail_reason"] = publish.fail_reason or "internal"
        public = False
        if publish.status == rules.PUBLISH_COMPLETE and publish.media_type == "PHOTO":
            privacy = orjson.loads(publish.post_info).get("privacy_level")
            public = publish.kind == rules.DIRECT_POST and privacy == "PUBLIC_TO_EVERYONE"
        elif publish.status == rules.PUBLISH_COMPLETE and publish.video_id:
            async with self.ctx.store.read() as unit:
                video = await unit.videos.get(publish.video_id)
            public = video is not None and video.public
        data["publicaly_available_post_id"] = [int(publish.video_id or 0)] if public else []
        if publish.source == rules.FILE_UPLOAD:
            data["uploaded_bytes"] = publish.uploaded_bytes
        else:
            data["downloaded_bytes"] = publish.downloaded_bytes
        return data

    async def cancel(self, access: AccessContext, body: Any) -> dict[str, Any]:
        publish = await self._mine(access, body)
        async with self.ctx.store.unit() as unit:
            done = await unit.publishes.finish(
                publish.id, self.ctx.clock.now(), status=rules.FAILED,
                fail_reason="publish_cancelled",
            )  # fmt: skip
        if not done:
            raise InvalidParams(
                "Only a post still processing can be cancelled.", detail="not processing"
            )
        keys = [publish.chunk_key(index) for index in range(publish.total_chunk_count)]
        await asyncio.to_thread(delete_all, self.uploads.blobs, keys)
        return {}
