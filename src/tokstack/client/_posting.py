"""The Content Posting API's side of the client, without I/O: the requests, TikTok's chunk
rules for a FILE_UPLOAD, and reading a publish's status. ``TikTok`` and ``AsyncTikTok`` send."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tokstack.client._protocol import Endpoints, Request
from tokstack.client.models import CreatorInfo, PublishStatus

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST = 5 * MB, 64 * MB, 128 * MB
DEFAULT_CHUNK = 10 * MB
DONE = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX", "FAILED")
MEDIA_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}

Video = str | os.PathLike[str] | bytes  # a file, its bytes, or (a str with a scheme) a URL


@dataclass(frozen=True)
class Plan:
    size: int
    chunk_size: int
    count: int

    @property
    def source_info(self) -> dict[str, Any]:
        return {
            "source": "FILE_UPLOAD",
            "video_size": self.size,
            "chunk_size": self.chunk_size,
            "total_chunk_count": self.count,
        }

    def span(self, index: int) -> tuple[int, int]:
        """(first, last) byte of chunk ``index``; the last chunk absorbs the remainder."""
        first = index * self.chunk_size
        last = self.size - 1 if index == self.count - 1 else first + self.chunk_size - 1
        return first, last


def plan(size: int, chunk_size: int | None = None) -> Plan:
    """TikTok's rules: under 5 MB in one chunk; else 5-64 MB chunks, floor(size / chunk)
    of them, the last at most 128 MB."""
    if size <= 0:
        raise ValueError("the video is empty")
    if size < MIN_CHUNK:
        return Plan(size, size, 1)
    chunk = min(max(chunk_size or DEFAULT_CHUNK, MIN_CHUNK), MAX_CHUNK, size)
    count = size // chunk
    if size - chunk * (count - 1) > MAX_LAST:
        raise ValueError("the last chunk would be over 128 MB: choose a larger chunk_size")
    return Plan(size, chunk, count)


def is_url(video: Video) -> bool:
    return isinstance(video, str) and video.startswith(("https://", "http://"))


def media_type(video: Video) -> str:
    if isinstance(video, bytes):
        return "video/mp4"
    return MEDIA_TYPES.get(Path(os.fspath(video)).suffix.lower(), "video/mp4")


def size_of(video: Video) -> int:
    return len(video) if isinstance(video, bytes) else os.stat(video).st_size


def read_chunk(video: Video, handle: BinaryIO | None, first: int, last: int) -> bytes:
    if isinstance(video, bytes):
        return video[first : last + 1]
    assert handle is not None
    handle.seek(first)
    return handle.read(last - first + 1)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def creator_info_request(endpoints: Endpoints, token: str) -> Request:
    url = f"{endpoints.api}/v2/post/publish/creator_info/query/"
    return Request("POST", url, _bearer(token), json_body={})


def init_request(
    endpoints: Endpoints, token: str, inbox: bool, source_info: Mapping[str, Any],
    post_info: Mapping[str, Any] | None,
) -> Request:  # fmt: skip
    path = "inbox/video/init" if inbox else "video/init"
    body: dict[str, Any] = {"source_info": dict(source_info)}
    if not inbox:
        body["post_info"] = dict(post_info or {})
    return Request("POST", f"{endpoints.api}/v2/post/publish/{path}/", _bearer(token),
                   json_body=body)  # fmt: skip


def status_request(endpoints: Endpoints, token: str, publish_id: str) -> Request:
    url = f"{endpoints.api}/v2/post/publish/status/fetch/"
    # reads: safe to retry
    return Request("POST", url, _bearer(token), idempotent=True,
                   json_body={"publish_id": publish_id})  # fmt: skip


def chunk_headers(kind: str, first: int, last: int, total: int) -> dict[str, str]:
    return {"Content-Type": kind, "Content-Range": f"bytes {first}-{last}/{total}"}


def creator_info(body: Mapping[str, Any]) -> CreatorInfo:
    return CreatorInfo.from_data(body.get("data") or {})


def publish_status(publish_id: str, body: Mapping[str, Any]) -> PublishStatus:
    return PublishStatus.from_data(publish_id, body.get("data") or {})


def polls(wait: bool, interval: float, timeout: float) -> int:
    """How many times to ask again before giving the last status back (a count, not a clock:
    a test's sleep that does not sleep still ends)."""
    return int(timeout / interval) if wait and interval > 0 else 0


@contextmanager
def opened(video: Video) -> Iterator[BinaryIO | None]:
    if isinstance(video, bytes):
        yield None
        return
    with open(video, "rb") as handle:
        yield handle
