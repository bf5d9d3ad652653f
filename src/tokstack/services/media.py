"""Real media, through PyAV (FFmpeg in its wheels): probing uploads, cutting covers from a
frame, and making small clips (seeds without a file, tests). PyAV is imported on first use:
a worker that never touches a video never loads FFmpeg."""

from __future__ import annotations

import io
import secrets
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

from PIL import Image, ImageDraw

from tokstack.domain.posting import MediaInfo
from tokstack.services.blobs import BlobStore

COVER_WIDTH = 720


def probe(path: Path) -> MediaInfo | None:
    """The container, first video stream and duration; None when it is not a video."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or 0
            duration = _duration_ms(container, stream)
            return MediaInfo(
                format=container.format.name,
                codec=stream.codec_context.name,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                fps=float(rate),
                duration_ms=duration,
                size=path.stat().st_size,
            )
    except (av.error.FFmpegError, OSError, ValueError):
        return None


def _duration_ms(container: Any, stream: Any) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration is not None:  # in microseconds (AV_TIME_BASE)
        return int(container.duration // 1000)
    return 0


def cover_jpeg(path: Path, at_ms: int = 0) -> bytes:
    """The frame at ``at_ms`` (or the last one before it ends) as a JPEG, 720 px wide at most."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        target = Fraction(at_ms, 1000)
        if at_ms and stream.time_base is not None:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is None or frame.time >= target:
                break
    if chosen is None:
        raise ValueError("the video has no frame to make a cover of")
    image: Image.Image = cast(Any, chosen).to_image()
    if image.width > COVER_WIDTH:
        image = image.resize((COVER_WIDTH, round(image.height * COVER_WIDTH / image.width)))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def make_clip(
    seconds: float = 1.0,
    width: int = 360,
    height: int = 640,
    fps: int = 30,
    *,
    codec: str = "libx264",
    container: str = "mp4",
    hue: int = 200,
    label: str = "",
) -> bytes:
    """A small real video: frames of a colour that drifts, with a counter (for covers)."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        stream: Any = muxer.add_stream(codec, rate=fps)  # a video stream (PyAV types a union)
        frames: Any = av.VideoFrame
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "38"}
        for index in range(max(1, round(seconds * fps))):
            image = Image.new("HSV", (width, height), ((hue + index) % 256, 140, 200))
            image = image.convert("RGB")
            ImageDraw.Draw(image).text((12, 12), f"{label} {index}", fill=(255, 255, 255))
            for packet in stream.encode(frames.from_image(image)):
                muxer.mux(packet)
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()


def new_media_key() -> str:
    return f"vm{secrets.token_hex(12)}"


def keep(
    blobs: BlobStore, path: Path, cover_at_ms: int = 0, stored: str | None = None
) -> tuple[str, str]:
    """Cuts the cover, then moves the file into the blob store (unless it is there already
    as ``stored``): (media key, cover key)."""
    cover = cover_jpeg(path, cover_at_ms)
    cover_key = f"vc{secrets.token_hex(12)}"
    blobs.put(cover_key, cover)
    if stored is not None:
        return stored, cover_key
    media_key = new_media_key()
    blobs.put_file(media_key, path)
    return media_key, cover_key
