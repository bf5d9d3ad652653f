"""A seed document's ``videos``: each with a stable id, and either a media file beside the
document (probed; its cover its first frame) or a generated stand-in: a one-second clip in
the declared proportions (so the pages play something) and a generated cover, the declared
duration and size kept as the video's.
"""

from __future__ import annotations

import asyncio
import colorsys
import functools
import hashlib
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tokstack import ids
from tokstack.domain.seed import SeedVideo
from tokstack.domain.videos import Video
from tokstack.errors import Conflict, ValidationError
from tokstack.services import media
from tokstack.services.context import Context

CLIP_SIDE = 640  # the longer side of a generated stand-in clip

COVER_SIDE = 540  # the longer side of a generated cover


def cover_jpeg(video_id: str, width: int, height: int) -> bytes:
    """A plain cover in the video's proportions, its colour derived from the id."""
    from PIL import Image, ImageDraw  # Pillow is large: loaded where a cover is made

    scale = COVER_SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    hue = int(hashlib.sha256(video_id.encode()).hexdigest()[:4], 16) / 0xFFFF
    red, green, blue = (round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.55, 0.85))
    image = Image.new("RGB", size, (red, green, blue))
    ImageDraw.Draw(image).rectangle(
        (0, size[1] * 2 // 3, size[0], size[1]), fill=(red // 2, green // 2, blue // 2)
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def media_file(reference: str, base_dir: Path | None) -> Path:
    """The seed's media file, checked to be a video (a seed sent over HTTP names no files)."""
    if base_dir is None:
        raise ValidationError("a seed sent over HTTP cannot name files; use a seed file")
    path = (base_dir / reference).resolve()
    if not path.is_file():
        raise ValidationError(f"{reference}: no such file beside the seed document")
    if media.probe(path) is None:
        raise ValidationError(f"{reference}: not a video this server can read")
    return path


@functools.cache
def _stand_in(width: int, height: int) -> bytes:
    """One second of video in the proportions given (made once per process and shape)."""
    scale = CLIP_SIDE / max(width, height)
    even = [max(2, round(side * scale) // 2 * 2) for side in (width, height)]
    return media.make_clip(1.0, even[0], even[1], 24)


def _keep(
    ctx: Context, spec: SeedVideo, video_id: str, base_dir: Path | None
) -> tuple[str, str, Any]:
    """(media key, cover key, probed info or None) in the blob store."""
    staging = Path(tempfile.mkdtemp(prefix="seed-"))
    try:
        copy = staging / "media"
        if spec.file is not None:
            shutil.copyfile(media_file(spec.file, base_dir), copy)
            info = media.probe(copy)
            media_key, cover_key = media.keep(ctx.avatars.blobs, copy)
            return media_key, cover_key, info
        copy.write_bytes(_stand_in(spec.width, spec.height))
        media_key = f"vm-{video_id}"
        ctx.avatars.blobs.put_file(media_key, copy)
        cover_key = f"cover-{video_id}.jpg"
        ctx.avatars.blobs.put(cover_key, cover_jpeg(video_id, spec.width, spec.height))
        return media_key, cover_key, None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


async def write(ctx: Context, spec: SeedVideo, base_dir: Path | None = None) -> dict[str, Any]:
    """Adds the video unless its id exists; answers what was done."""
    video_id = spec.id or ids.stable_video_id(spec.user, spec.index)
    async with ctx.store.read() as unit:
        if await unit.videos.get(video_id) is not None:
            return {"id": video_id, "user": spec.user, "created": False}
    media_key, cover, info = await asyncio.to_thread(_keep, ctx, spec, video_id, base_dir)
    duration, width, height = spec.duration, spec.width, spec.height
    if info is not None:
        duration = max(1, round(info.duration_ms / 1000))
        width, height = info.width, info.height
    try:
        await _add(ctx, spec, video_id, media_key, cover, (duration, width, height))
    except Conflict:  # the same seed applied twice at once: the other one wrote it
        if spec.file is not None:  # random keys: ours are nobody's (stand-ins share theirs)
            await asyncio.to_thread(ctx.avatars.blobs.delete, media_key)
            await asyncio.to_thread(ctx.avatars.blobs.delete, cover)
        return {"id": video_id, "user": spec.user, "created": False}
    return {"id": video_id, "user": spec.user, "created": True}


async def _add(
    ctx: Context, spec: SeedVideo, video_id: str, media_key: str, cover: str,
    shape: tuple[int, int, int],
) -> None:  # fmt: skip
    duration, width, height = shape
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username(spec.user)
        assert user is not None  # checked before writing
        created = spec.create_time
        if created is None:
            created = ctx.clock.now() - 60 * spec.index
        await unit.videos.add(
            Video(
                id=video_id,
                user_id=user.id,
                create_time=created,
                title=spec.title,
                description=spec.description,
                duration=duration,
                width=width,
                height=height,
                privacy_level=spec.privacy_level,
                like_count=spec.counts.get("like_count", 0),
                comment_count=spec.counts.get("comment_count", 0),
                share_count=spec.counts.get("share_count", 0),
                view_count=spec.counts.get("view_count", 0),
                is_aigc=spec.is_aigc,
                source="seed",
                media_key=media_key,
                cover_key=cover,
            )
        )
