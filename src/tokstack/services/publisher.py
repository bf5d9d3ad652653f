"""Processing a publish: a durable job, leased by any worker (the webhooks' outbox pattern).

A publish whose bytes are all in (or a pull) is claimed with a lease; the worker downloads
or assembles the chunks, probes the media, checks TikTok's rules, cuts the cover, then in one
transaction sets the outcome, adds the video (a direct post) or the draft (an upload), and
queues the webhooks. A worker that dies mid-way leaves its lease to run out, and another
worker takes the job again: a job survives a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tokstack.domain import posting as rules
from tokstack.domain.faults import PROCESS, Facts
from tokstack.domain.posting import MediaInfo, Publish
from tokstack.domain.videos import DRAFT, Video
from tokstack.services import media, photo_posts, posting_events, pull_urls
from tokstack.services.blobs import BlobStore, delete_all
from tokstack.services.context import Context
from tokstack.services.faults import Faults

log = logging.getLogger("tokstack.publisher")
LEASE = 600  # a job not finished in 10 minutes is taken again
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Outcome:
    status: str
    fail_reason: str | None = None
    video: Video | None = None
    discard: tuple[str, ...] = ()  # blobs made on the way that a failure leaves behind


class Publisher:
    def __init__(
        self, ctx: Context, blobs: BlobStore, staging: Path, *,
        faults: Faults | None = None, poll_interval: float = 1.0,
    ) -> None:  # fmt: skip
        self.ctx = ctx
        self.blobs = blobs
        self.staging = staging
        self.faults = faults  # emulator mode: "the next publish fails with …"
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A job is ready in this process: no need to wait for the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        async with self.ctx.store.unit() as unit:
            due = await unit.publishes.claim_due(self.ctx.clock.now(), LEASE, 4)
        for publish in due:
            try:
                await self.process(publish)
            except Exception:
                log.exception("publish %s failed to process", publish.id)
                if publish.attempts >= MAX_ATTEMPTS:
                    await self._settle(publish, Outcome(rules.FAILED, "internal"))
        return len(due)

    async def _fault(self, publish: Publish) -> str | None:
        if self.faults is None:
            return None
        async with self.ctx.store.read() as unit:
            authorization = await unit.authorizations.find(publish.user_id, publish.app_id)
        facts = Facts(PROCESS, open_id=authorization.open_id if authorization else None,
                      app_id=publish.app_id)  # fmt: skip
        outcome = await self.faults.check(facts)
        return outcome.rule.error if outcome is not None and outcome.rule is not None else None

    async def process(self, publish: Publish) -> None:
        if publish.media_type == "PHOTO":
            status, reason = await photo_posts.process(self.ctx, self.blobs, self.staging, publish)
            await self._settle(publish, Outcome(status, reason))
            return
        self.staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="media-")
        path = Path(name)
        stored = media.new_media_key() if publish.source == rules.FILE_UPLOAD else None
        try:
            await asyncio.to_thread(self._assemble, publish, fd, stored)
            outcome = await self._outcome(publish, path, stored)
        except BaseException:
            if stored is not None:  # a later attempt joins the chunks again, under a new key
                await asyncio.to_thread(self.blobs.delete, stored)
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # noqa: ASYNC240  (a rename-sized call on a local disk)
        await self._settle(publish, outcome)

    def _assemble(self, publish: Publish, fd: int, stored: str | None) -> None:
        """A file upload's chunks joined in the blob store as ``stored`` (on S3 without
        leaving it), then fetched into the staging file to probe (a pull: nothing)."""
        with open(fd, "wb") as handle:
            if stored is None:
                return
            chunks = [publish.chunk_key(i) for i in range(publish.total_chunk_count)]
            self.blobs.join(stored, chunks)
            if not self.blobs.read_into(stored, handle):
                raise RuntimeError(f"the joined upload of {publish.id} is missing")

    async def _outcome(self, publish: Publish, path: Path, stored: str | None) -> Outcome:
        if publish.source == rules.PULL_FROM_URL:
            try:
                size = await pull_urls.download(publish.video_url or "", path, self.ctx.emulator)
            except pull_urls.PullFailed as exc:
                log.info("publish %s: pull failed: %s", publish.id, exc)
                return Outcome(rules.FAILED, "video_pull_failed")
            async with self.ctx.store.unit() as unit:
                await unit.publishes.finish_download(publish.id, size)
        info = await asyncio.to_thread(media.probe, path)
        reason = rules.media_failure(info, rules.MAX_DURATION_SEC) or await self._fault(publish)
        if reason is not None:
            return Outcome(rules.FAILED, reason, discard=(stored,) if stored else ())
        assert info is not None
        post = orjson.loads(publish.post_info)
        keys = await asyncio.to_thread(
            media.keep, self.blobs, path, post["video_cover_timestamp_ms"], stored
        )
        media_key, cover_key = keys
        return Outcome(
            rules.PUBLISH_COMPLETE
            if publish.kind == rules.DIRECT_POST
            else rules.SEND_TO_USER_INBOX,
            video=self._video(publish, post, info, media_key, cover_key),
        )

    def _video(
        self, publish: Publish, post: dict[str, Any], info: MediaInfo, media_key: str,
        cover_key: str,
    ) -> Video:  # fmt: skip
        caption = str(post.get("title", ""))
        return Video(
            id=publish.video_id or str(7 * 10**18 + secrets.randbelow(10**18)),
            user_id=publish.user_id,
            create_time=self.ctx.clock.now(),
            title=caption[:150],
            description=caption,
            duration=max(1, round(info.duration_ms / 1000)),
            width=info.width,
            height=info.height,
            privacy_level=post["privacy_level"] if publish.kind == rules.DIRECT_POST else DRAFT,
            like_count=0, comment_count=0, share_count=0, view_count=0,
            is_aigc=bool(post.get("is_aigc", False)),
            source="api",
            media_key=media_key,
            cover_key=cover_key,
        )  # fmt: skip

    async def _settle(self, publish: Publish, outcome: Outcome) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.store.unit() as unit:
            done = await unit.publishes.finish(
                publish.id, now, status=outcome.status, fail_reason=outcome.fail_reason,
                ready=False,
            )  # fmt: skip
            if done and outcome.video is not None:
                await unit.videos.add(outcome.video)
            if done:
                await posting_events.settled(unit, publish, outcome.status, outcome.fail_reason,
                                             outcome.video, now)  # fmt: skip
        # upload chunks go once processed; a photo post keeps its images (reset deletes them)
        kept = publish.media_type == "PHOTO" and done and outcome.status != rules.FAILED
        keys = [] if kept else [publish.chunk_key(i) for i in range(publish.total_chunk_count)]
        keys += outcome.discard
        if not done and outcome.video is not None:  # cancelled meanwhile: its files go
            keys += [outcome.video.media_key or "", outcome.video.cover_key or ""]
        await asyncio.to_thread(delete_all, self.blobs, keys)

    async def run(self) -> None:
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("publisher pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
