"""Scopes, the user fields they unlock, and TikTok's comma-separated scope lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BASIC = "user.info.basic"
PROFILE = "user.info.profile"
STATS = "user.info.stats"
OPEN_ID = "user.info.open_id"


@dataclass(frozen=True)
class Scope:
    name: str
    title: str
    description: str


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope(BASIC, "Read your profile info", "Your avatar and display name."),
        Scope(
            PROFILE,
            "Read your profile details",
            "Your username, bio, profile links and verification status.",
        ),
        Scope(
            STATS,
            "Read your profile statistics",
            "Your number of likes, followers, accounts you follow and videos.",
        ),
        Scope(OPEN_ID, "Know who you are", "A unique identifier of your account for this app."),
        Scope("video.list", "Read your public videos", "The list of your public videos."),
        Scope("video.upload", "Upload videos as drafts", "Share videos to your TikTok drafts."),
        Scope("video.publish", "Post videos", "Publish content directly to your profile."),
    )
}

# TikTok Minis only know these two scopes.
MINI_SCOPES = frozenset({BASIC, OPEN_ID})

# Field -> the scope that grants it (reference section 4).
FIELD_SCOPES: dict[str, str] = {
    "open_id": BASIC,
    "union_id": BASIC,
    "avatar_url": BASIC,
    "avatar_url_100": BASIC,
    "avatar_large_url": BASIC,
    "display_name": BASIC,
    "bio_description": PROFILE,
    "profile_deep_link": PROFILE,
    "profile_web_link": PROFILE,
    "is_verified": PROFILE,
    "username": PROFILE,
    "follower_count": STATS,
    "following_count": STATS,
    "likes_count": STATS,
    "video_count": STATS,
}


def parse(raw: str | None) -> tuple[str, ...]:
    """Comma list -> names in first-seen order; blanks and duplicates folded."""
    if not raw:
        return ()
    seen: dict[str, None] = {}
    for part in raw.split(","):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def format_list(scopes: Iterable[str]) -> str:
    return ",".join(scopes)


def unknown(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if s not in SCOPES]


def canonical(scopes: Iterable[str]) -> tuple[str, ...]:
    """Deterministic order (registry order) for storage and the ``scope`` response field."""
    wanted = set(scopes)
    known = [name for name in SCOPES if name in wanted]
    return tuple(known + sorted(wanted.difference(SCOPES)))
