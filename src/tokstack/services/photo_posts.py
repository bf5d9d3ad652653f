"""Photo posts: ``/v2/post/publish/content/init/`` with ``media_type: "PHOTO"`` (direct post,
video.publish; or MEDIA_UPLOAD to the inbox, video.upload), and their processing: each image
downloaded under the same rules as a video pull, checked with Pillow, kept in the blob store.
The Display API lists videos only, so a photo post is a publish with its images, not a video.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import orjson

from tokstack.domain import posting as rules
from tokstack.domain.models import AccessContext
from tokstack.domain.photo_posts import MAX_IMAGE_BYTES, image_failure, photo_request
from tokstack.domain.posting import PostingError, Publish
from tokstack.domain.videos import PRIVACY_LEVELS
from tokstack.services import pull_urls
from tokstack.services.blobs import BlobStore
from tokstack.services.context import Context
from tokstack.services.posting import (
    PUBLISH_SCOPE,
    UPLOAD_SCOPE,
    Posting,
    json_object,
    refused,
    require_scope,
)


async def init(posting: Posting, access: AccessContext, body: Any) -> dict[str, Any]:
    body = json_object(body)
    mode = body.get("post_mode")
    require_scope(access, PUBLISH_SCOPE if mode != "MEDIA_UPLOAD" else UPLOAD_SCOPE)
    app = await posting.app_of(access)
    emulator = posting.ctx.emulator
    try:
        photo = photo_request(body, PRIVACY_LEVELS)
        images = [pull_urls.checked(url, app, emulator) for url in photo.images]
    except PostingError as exc:
        raise refused(exc) from None
    await posting.check_rules(access, app, photo.kind, photo.privacy_level)
    now = posting.ctx.clock.now()
    publish = Publish(
        id=f"p_{'pub' if photo.kind == rules.DIRECT_POST else 'inbox'}_url~v2."
        f"{7 * 10**18 + secrets.randbelow(10**18)}",
        app_id=app.id,
        user_id=access.user.id,
        kind=photo.kind,
        source=rules.PULL_FROM_URL,
        status=rules.PROCESSING_DOWNLOAD,
        created_at=now,
        updated_at=now,
        post_info=orjson.dumps(photo.post_info()).decode(),
        total_chunk_count=len(images),  # the images' blob keys: chunk_key(upload_key, i)
        media_type="PHOTO",
        photo_images=orjson.dumps(images).decode(),
        upload_key=f"ph{secrets.token_hex(12)}",
        ready=True,
        video_id=str(7 * 10**18 + secrets.randbelow(10**18)),  # the post's id
    )
    async with posting.ctx.store.unit() as unit:
        await unit.publishes.add(publish)
    if posting.wake is not None:
        posting.wake()
    return {"publish_id": publish.id}


def _inspect(path: Path) -> tuple[str | None, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format, image.width, image.height
    except (UnidentifiedImageError, OSError):
        return None, 0, 0


async def process(
    ctx: Context, blobs: BlobStore, staging: Path, publish: Publish
) -> tuple[str, str | None]:
    """(status, fail_reason) once every image is in (or one broke a rule)."""
    received = 0
    await asyncio.to_thread(staging.mkdir, parents=True, exist_ok=True)
    for index, url in enumerate(orjson.loads(publish.photo_images or "[]")):
        fd, name = tempfile.mkstemp(dir=staging, prefix="photo-")
        os.close(fd)
        path = Path(name)
        try:
            size = await pull_urls.download(url, path, ctx.emulator, max_bytes=MAX_IMAGE_BYTES)
        except pull_urls.PullFailed:
            path.unlink(missing_ok=True)  # noqa: ASYNC240  (one local unlink)
            return rules.FAILED, "video_pull_failed"
        found = await asyncio.to_thread(_inspect, path)
        reason = image_failure(*found, size)
        if reason is not None:
            path.unlink(missing_ok=True)  # noqa: ASYNC240  (one local unlink)
            return rules.FAILED, reason
        await asyncio.to_thread(blobs.put_file, publish.chunk_key(index), path)
        received += size
    async with ctx.store.unit() as unit:
        await unit.publishes.finish_download(publish.id, received)
    done = rules.PUBLISH_COMPLETE if publish.kind == rules.DIRECT_POST else rules.SEND_TO_USER_INBOX
    return done, None
