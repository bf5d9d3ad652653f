"""Photo posts (``/v2/post/publish/content/init/``, ``media_type: "PHOTO"``): the body's
rules and the image rules, as TikTok's reference gives them (no I/O, no framework)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tokstack.domain.posting import DIRECT_POST, INBOX_SHARE, PULL_FROM_URL, PostingError
from tokstack.domain.videos import PRIVACY_LEVELS

MAX_IMAGES = 35
MAX_TITLE, MAX_DESCRIPTION = 90, 4000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 1920 * 1080  # "up to 1080p"
FORMATS = ("JPEG", "WEBP")  # as Pillow names them
MODES = {"DIRECT_POST": DIRECT_POST, "MEDIA_UPLOAD": INBOX_SHARE}


@dataclass(frozen=True)
class PhotoPost:
    kind: str  # DIRECT_POST | INBOX_SHARE
    title: str
    description: str
    privacy_level: str
    disable_comment: bool
    auto_add_music: bool
    images: tuple[str, ...]
    cover_index: int

    def post_info(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "privacy_level": self.privacy_level,
            "disable_comment": self.disable_comment,
            "auto_add_music": self.auto_add_music,
            "photo_cover_index": self.cover_index,
        }


def new_publish_id(kind: str) -> str:
    number = 7 * 10**18 + secrets.randbelow(10**18)
    return f"p_pub_url~v2.{number}" if kind == DIRECT_POST else f"p_inbox_url~v2.{number}"


def _text(info: dict[str, Any], name: str, limit: int) -> str:
    value = info.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise PostingError(f"post_info.{name} must be a string of at most {limit} characters")
    return value


def _flag(info: dict[str, Any], name: str) -> bool:
    value = info.get(name, False)
    if not isinstance(value, bool):
        raise PostingError(f"post_info.{name} must be true or false")
    return value


def photo_request(body: dict[str, Any], options: tuple[str, ...]) -> PhotoPost:
    """A content/init body for photos; ``options`` are the creator's privacy levels."""
    if body.get("media_type") != "PHOTO":
        raise PostingError("media_type must be PHOTO")
    mode = body.get("post_mode")
    if mode not in MODES:
        raise PostingError("post_mode must be DIRECT_POST or MEDIA_UPLOAD")
    info = body.get("post_info", {})
    source = body.get("source_info")
    if not isinstance(info, dict) or not isinstance(source, dict):
        raise PostingError("post_info and source_info must be JSON objects")
    privacy = info.get("privacy_level", "SELF_ONLY" if mode == "MEDIA_UPLOAD" else None)
    if privacy not in PRIVACY_LEVELS:
        raise PostingError(f"post_info.privacy_level must be one of {', '.join(PRIVACY_LEVELS)}")
    if privacy not in options:
        raise PostingError(
            "The privacy level is not one of the creator's privacy_level_options.",
            "privacy_level_option_mismatch",
            400,
        )
    if source.get("source") != PULL_FROM_URL:
        raise PostingError("photos come from URLs: source_info.source must be PULL_FROM_URL")
    images = source.get("photo_images")
    if (
        not isinstance(images, list) or not 1 <= len(images) <= MAX_IMAGES
        or not all(isinstance(url, str) and url for url in images)
    ):  # fmt: skip
        raise PostingError(f"source_info.photo_images must list 1 to {MAX_IMAGES} image URLs")
    cover = source.get("photo_cover_index", 0)
    if isinstance(cover, bool) or not isinstance(cover, int) or not 0 <= cover < len(images):
        raise PostingError("source_info.photo_cover_index must be the index of one of the images")
    return PhotoPost(
        kind=MODES[mode],
        title=_text(info, "title", MAX_TITLE),
        description=_text(info, "description", MAX_DESCRIPTION),
        privacy_level=privacy,
        disable_comment=_flag(info, "disable_comment"),
        auto_add_music=_flag(info, "auto_add_music"),
        images=tuple(images),
        cover_index=cover,
    )


def image_failure(image_format: str | None, width: int, height: int, size: int) -> str | None:
    """TikTok's ``fail_reason`` for an image that breaks a rule, else None."""
    if image_format not in FORMATS or size > MAX_IMAGE_BYTES:
        return "file_format_check_failed"
    if width * height > MAX_PIXELS:
        return "picture_size_check_failed"
    return None
