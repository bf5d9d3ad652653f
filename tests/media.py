"""Small real videos for tests, made with the same library tokstack probes them with."""

from __future__ import annotations

import struct
from functools import cache

from tokstack.services.media import make_clip


@cache
def clip(seconds: float = 1.0, width: int = 360, height: int = 640, fps: int = 30) -> bytes:
    return make_clip(seconds, width, height, fps)


def padded(video: bytes, size: int) -> bytes:
    """The MP4 grown to ``size`` bytes with a trailing ``free`` box (valid MP4, no new media):
    a many-chunk upload without encoding megabytes of video."""
    room = size - len(video)
    assert room >= 8
    return video + struct.pack(">I", room) + b"free" + bytes(room - 8)
