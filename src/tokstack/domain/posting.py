"""The Content Posting API's rules (no I/O, no framework): init bodies, TikTok's chunk rules,
``Content-Range`` checks, the media rules a processed video must pass, and the publish record.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokstack.domain.videos import PRIVACY_LEVELS

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST_CHUNK = 5 * MB, 64 * MB, 128 * MB
MAX_CHUNKS = 1000
MAX_VIDEO_SIZE = 4 * 1024 * MB
MAX_TITLE_UTF16 = 2200
UPLOAD_URL_TTL = 3600  # an upload_url lives one hour
MAX_DURATION_SEC = 600  # every creator's max_video_post_duration_sec here (10 minutes)
DAILY_POSTS = 15  # direct posts per creator per 24 h before spam_risk_too_many_posts (3p)
PENDING_SHARES = 5  # inbox uploads per creator per 24 h (spam_risk_too_many_pending_share)
FORMATS = ("mp4", "mov", "webm")  # as named in the container names PyAV reports
CODECS = ("h264", "hevc", "vp8", "vp9")
MIN_FPS, MAX_FPS = 23, 60
MIN_SIDE, MAX_SIDE = 360, 4096

DIRECT_POST, INBOX_SHARE = "DIRECT_POST", "INBOX_SHARE"
FILE_UPLOAD, PULL_FROM_URL = "FILE_UPLOAD", "PULL_FROM_URL"
PROCESSING_UPLOAD, PROCESSING_DOWNLOAD = "PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"
SEND_TO_USER_INBOX, PUBLISH_COMPLETE, FAILED = "SEND_TO_USER_INBOX", "PUBLISH_COMPLETE", "FAILED"
PENDING = (PROCESSING_UPLOAD, PROCESSING_DOWNLOAD)
FAIL_REASONS = (
    "file_format_check_failed",
    "duration_check_failed",
    "frame_rate_check_failed",
    "picture_size_check_failed",
    "video_pull_failed",
    "internal",
    "auth_removed",
    "publish_cancelled",
    "spam_risk_too_many_posts",
)


# the posting API's own codes and their HTTP statuses (403 unless named otherwise)
POSTING_ERRORS = {
    "privacy_level_option_mismatch": 400,
    "unaudited_client_can_only_post_to_private_accounts": 403,
    "url_ownership_unverified": 403,
    "spam_risk_too_many_posts": 403,
    "spam_risk_too_many_pending_share": 403,
    "spam_risk_user_banned_from_posting": 403,
    "reached_active_user_cap": 403,
}


class PostingError(ValueError):
    """An init body TikTok refuses: ``code`` is the v2 error code (``invalid_params`` or one
    of the posting API's own)."""

    def __init__(self, message: str, code: str = "invalid_params", status: int = 400) -> None:
        super().__init__(message)
        self.code, self.status = code, status


@dataclass(frozen=True)
class UploadPlan:
    video_size: int
    chunk_size: int
    total_chunk_count: int

    def chunk_length(self, index: int) -> int:
        """Bytes in chunk ``index`` (from 0): the last one absorbs the remainder."""
        if index == self.total_chunk_count - 1:
            return self.video_size - self.chunk_size * index
        return self.chunk_size


@dataclass(frozen=True)
class PostInfo:
    title: str = ""
    privacy_level: str = "SELF_ONLY"
    disable_duet: bool = False
    disable_comment: bool = False
    disable_stitch: bool = False
    video_cover_timestamp_ms: int = 0
    brand_content_toggle: bool = False
    brand_organic_toggle: bool = False
    is_aigc: bool = False


@dataclass(frozen=True)
class Publish:
    id: str
    app_id: int
    user_id: int
    kind: str  # DIRECT_POST | INBOX_SHARE
    source: str  # FILE_UPLOAD | PULL_FROM_URL
    status: str
    created_at: int
    post_info: str  # PostInfo as JSON
    video_size: int = 0
    chunk_size: int = 0
    total_chunk_count: int = 0
    uploaded_bytes: int = 0
    downloaded_bytes: int = 0
    video_url: str | None = None
    media_type: str = "VIDEO"  # or PHOTO (content/init)
    photo_images: str | None = None  # a photo post's image URLs, as a JSON list
    upload_key: str = ""  # prefix of the chunks' blob keys
    upload_expires_at: int = 0
    ready: bool = False  # every byte is in: the processing job may take it
    lease_until: int = 0
    attempts: int = 0
    fail_reason: str | None = None
    video_id: str | None = None
    updated_at: int = 0

    @property
    def plan(self) -> UploadPlan:
        return UploadPlan(self.video_size, self.chunk_size, self.total_chunk_count)

    def chunk_key(self, index: int) -> str:
        return chunk_key(self.upload_key, index)


def chunk_key(upload_key: str, index: int) -> str:
    """The blob key of one uploaded chunk."""
    return f"{upload_key}-{index:04d}"


def new_publish_id(kind: str, source: str) -> str:
    """TikTok's shapes: ``v_pub_file~v2-1.…``, ``v_pub_url~v2.…``, ``v_inbox_file~v2.…``."""
    number = 7 * 10**18 + secrets.randbelow(10**18)
    if kind == DIRECT_POST:
        return f"v_pub_file~v2-1.{number}" if source == FILE_UPLOAD else f"v_pub_url~v2.{number}"
    return f"v_inbox_file~v2.{number}" if source == FILE_UPLOAD else f"v_inbox_url~v2.{number}"


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise PostingError(f"post_info.{name} must be true or false")
    return value


def _whole(body: Mapping[str, Any], name: str, where: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PostingError(f"{where}.{name} must be a whole number")
    return value


def post_info(raw: Any, options: tuple[str, ...]) -> PostInfo:
    """``post_info`` of a direct post; ``privacy_level`` must be one of the creator's."""
    if not isinstance(raw, dict):
        raise PostingError("post_info must be a JSON object")
    title = raw.get("title", "")
    if not isinstance(title, str):
        raise PostingError("post_info.title must be a string")
    if len(title.encode("utf-16-le")) // 2 > MAX_TITLE_UTF16:
        raise PostingError(f"post_info.title is longer than {MAX_TITLE_UTF16} UTF-16 units")
    privacy = raw.get("privacy_level")
    if privacy not in PRIVACY_LEVELS:
        raise PostingError(f"post_info.privacy_level must be one of {', '.join(PRIVACY_LEVELS)}")
    if privacy not in options:
        raise PostingError(
            "The privacy level is not one of the creator's privacy_level_options.",
            "privacy_level_option_mismatch",
            POSTING_ERRORS["privacy_level_option_mismatch"],
        )
    cover_at = raw.get("video_cover_timestamp_ms", 0)
    if isinstance(cover_at, bool) or not isinstance(cover_at, int) or cover_at < 0:
        raise PostingError("post_info.video_cover_timestamp_ms must be a whole number")
    return PostInfo(
        title=title,
        privacy_level=privacy,
        video_cover_timestamp_ms=cover_at,
        **{
            name: _flag(raw, name)
            for name in (
                "disable_duet",
                "disable_comment",
                "disable_stitch",
                "brand_content_toggle",
                "brand_organic_toggle",
                "is_aigc",
            )
        },
    )


def upload_plan(source_info: Mapping[str, Any]) -> UploadPlan:
    """TikTok's chunk rules for FILE_UPLOAD: 5-64 MB chunks (the last up to 128 MB), a video
    under 5 MB in one chunk of its size, 1-1000 chunks, ``floor(video_size / chunk_size)``."""
    size = _whole(source_info, "video_size", "source_info")
    chunk = _whole(source_info, "chunk_size", "source_info")
    count = _whole(source_info, "total_chunk_count", "source_info")
    if not 0 < size <= MAX_VIDEO_SIZE:
        raise PostingError("source_info.video_size must be from 1 byte to 4 GB")
    if size < MIN_CHUNK:
        if chunk != size or count != 1:
            raise PostingError(
                "A video under 5 MB is uploaded whole: chunk_size must equal video_size "
                "and total_chunk_count must be 1."
            )
        return UploadPlan(size, chunk, count)
    if not MIN_CHUNK <= chunk <= MAX_CHUNK or chunk > size:
        raise PostingError("source_info.chunk_size must be from 5 MB to 64 MB")
    if count != size // chunk or not 1 <= count <= MAX_CHUNKS:
        raise PostingError(
            "source_info.total_chunk_count must be floor(video_size / chunk_size), from 1 to 1000."
        )
    if size - chunk * (count - 1) > MAX_LAST_CHUNK:
        raise PostingError("The last chunk would be over 128 MB: use a larger chunk_size.")
    return UploadPlan(size, chunk, count)


def source(raw: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(raw, dict):
        raise PostingError("source_info must be a JSON object")
    kind = raw.get("source")
    if kind not in (FILE_UPLOAD, PULL_FROM_URL):
        raise PostingError("source_info.source must be FILE_UPLOAD or PULL_FROM_URL")
    if kind == PULL_FROM_URL and not isinstance(raw.get("video_url"), str):
        raise PostingError("source_info.video_url is required for PULL_FROM_URL")
    return kind, raw


class RangeRefused(ValueError):
    """A PUT the upload refuses: ``status`` is 400 (malformed, wrong size) or 416 (out of order)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def content_range(header: str | None) -> tuple[int, int, int]:
    """``bytes {first}-{last}/{total}`` → (first, last, total); RangeRefused(400) otherwise."""
    value = (header or "").strip()
    unit, _, spec = value.partition(" ")
    span, _, total = spec.partition("/")
    first, _, last = span.partition("-")
    parts = (first, last, total)
    if unit != "bytes" or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        raise RangeRefused("Content-Range must be bytes {first}-{last}/{total}", 400)
    start, end, size = (int(p) for p in parts)
    if end < start or end >= size:
        raise RangeRefused("Content-Range is not a range within the video", 400)
    return start, end, size


def chunk_index(plan: UploadPlan, uploaded: int, start: int, end: int, total: int) -> int:
    """Which chunk a PUT carries, checked against the plan and what is already in."""
    if total != plan.video_size:
        raise RangeRefused(
            f"the total in Content-Range must be video_size ({plan.video_size})", 400
        )
    if start != uploaded:
        raise RangeRefused(f"the next chunk starts at byte {uploaded}", 416)
    index = start // plan.chunk_size
    if index >= plan.total_chunk_count or end - start + 1 != plan.chunk_length(index):
        wanted = plan.chunk_length(min(index, plan.total_chunk_count - 1))
        raise RangeRefused(f"chunk {index + 1} must hold {wanted} bytes", 400)
    return index


@dataclass(frozen=True)
class MediaInfo:
    format: str  # container as PyAV names it (e.g. "mov,mp4,m4a,3gp,3g2,mj2")
    codec: str
    width: int
    height: int
    fps: float
    duration_ms: int
    size: int


def media_failure(info: MediaInfo | None, max_duration_sec: int) -> str | None:
    """TikTok's ``fail_reason`` for media that breaks a rule, else None."""
    if info is None:
        return "file_format_check_failed"
    names = set(info.format.split(","))
    if not names & set(FORMATS) or info.codec not in CODECS or info.size > MAX_VIDEO_SIZE:
        return "file_format_check_failed"
    if not MIN_FPS <= round(info.fps, 2) <= MAX_FPS:
        return "frame_rate_check_failed"
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in (info.width, info.height)):
        return "picture_size_check_failed"
    if not 0 < info.duration_ms <= max_duration_sec * 1000:
        return "duration_check_failed"
    return None
