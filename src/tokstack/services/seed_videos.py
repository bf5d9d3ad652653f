"""A seed document's ``videos``: each with a stable id and a generated cover.

Media files in seeds are not supported yet (the videos issue's media part): a seeded video
has a cover and its declared duration and size, but no playable file.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from typing import Any

from tokstack import ids
from tokstack.domain.seed import SeedVideo
from tokstack.domain.videos import Video
from tokstack.services.context import Context

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


async def write(ctx: Context, spec: SeedVideo) -> dict[str, Any]:
    """Adds the video unless its id exists; answers what was done."""
    video_id = spec.id or ids.stable_video_id(spec.user, spec.index)
    async with ctx.store.unit() as unit:
        if await unit.videos.get(video_id) is not None:
            return {"id": video_id, "user": spec.user, "created": False}
        user = await unit.users.by_username(spec.user)
        assert user is not None  # checked before writing
        cover = f"cover-{video_id}.jpg"
        ctx.avatars.blobs.put(cover, cover_jpeg(video_id, spec.width, spec.height))
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
                duration=spec.duration,
                width=spec.width,
                height=spec.height,
                privacy_level=spec.privacy_level,
                like_count=spec.counts.get("like_count", 0),
                comment_count=spec.counts.get("comment_count", 0),
                share_count=spec.counts.get("share_count", 0),
                view_count=spec.counts.get("view_count", 0),
                is_aigc=spec.is_aigc,
                source="seed",
                cover_key=cover,
            )
        )
    return {"id": video_id, "user": spec.user, "created": True}
