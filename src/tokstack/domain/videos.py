"""Videos as TikTok's Display API shows them: the record, its fields, and the rules of
``/v2/video/list/`` and ``/v2/video/query/`` bodies (no I/O, no framework)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# every field of TikTok's Video Object, in the documented order
VIDEO_FIELDS = (
    "id", "create_time", "cover_image_url", "share_url", "video_description", "duration",
    "height", "width", "title", "embed_html", "embed_link", "like_count", "comment_count",
    "share_count", "view_count", "is_aigc",
)  # fmt: skip
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
DRAFT = "DRAFT"  # privacy_level of an upload waiting in the creator's inbox (never listed)
SOURCES = ("seed", "cli", "account", "api")
MAX_COUNT, DEFAULT_COUNT, MAX_IDS = 20, 10, 20
MAX_TEXT = 150  # title and description, as the Video Object documents them


class BodyError(ValueError):
    """A list or query body TikTok would refuse with ``invalid_params``."""


@dataclass(frozen=True)
class Video:
    id: str
    user_id: int
    create_time: int
    title: str
    description: str
    duration: int
    width: int
    height: int
    privacy_level: str
    like_count: int
    comment_count: int
    share_count: int
    view_count: int
    is_aigc: bool
    source: str
    media_key: str | None = None
    cover_key: str | None = None

    @property
    def public(self) -> bool:
        return self.privacy_level == "PUBLIC_TO_EVERYONE"


def new_id() -> str:
    """A TikTok-style video id: a 19-digit numeric string."""
    return str(7 * 10**18 + secrets.randbelow(10**18))


def _whole(
    body: Mapping[str, Any], name: str, low: int, high: int, default: int | None
) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BodyError(f"{name} must be a whole number from {low} to {high}")
    return value


def list_request(body: Any) -> tuple[int | None, int]:
    """(cursor in milliseconds or None, max_count) of a ``/v2/video/list/`` body."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BodyError("the body must be a JSON object")
    cursor = _whole(body, "cursor", 0, 2**63 - 1, None)
    count = _whole(body, "max_count", 1, MAX_COUNT, DEFAULT_COUNT)
    assert count is not None
    return cursor, count


def query_request(body: Any) -> tuple[str, ...]:
    """The video ids of a ``/v2/video/query/`` body (1 to 20, each a numeric string)."""
    filters = body.get("filters") if isinstance(body, dict) else None
    ids = filters.get("video_ids") if isinstance(filters, dict) else None
    if not isinstance(ids, list) or not ids:
        raise BodyError("filters.video_ids must be a list of 1 to 20 video ids")
    if len(ids) > MAX_IDS:
        raise BodyError(f"filters.video_ids holds at most {MAX_IDS} ids")
    if not all(isinstance(i, str) and i.isascii() and i.isdigit() and len(i) <= 19 for i in ids):
        raise BodyError("filters.video_ids must hold numeric strings")
    return tuple(dict.fromkeys(ids))


def parse_fields(raw: str | None) -> tuple[str, ...]:
    """The requested Video Object fields; unknown names are left out, as TikTok does."""
    asked = [f.strip() for f in (raw or "").split(",") if f.strip()]
    return tuple(f for f in dict.fromkeys(asked) if f in VIDEO_FIELDS)
