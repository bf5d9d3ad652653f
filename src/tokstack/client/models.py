"""What the client returns: tokens, users and the start of a login."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# every field of /v2/user/info/, in TikTok's documented order
USER_FIELDS = (
    "open_id", "union_id", "avatar_url", "avatar_url_100", "avatar_large_url", "display_name",
    "bio_description", "profile_deep_link", "is_verified", "username", "follower_count",
    "following_count", "likes_count", "video_count",
)  # fmt: skip
DEFAULT_USER_FIELDS = ("open_id", "union_id", "avatar_url", "display_name")
# every field of the Video Object (/v2/video/list/, /v2/video/query/); the server's list is
# in tokstack.domain.videos, which this package may not import
VIDEO_FIELDS = (
    "id", "create_time", "cover_image_url", "share_url", "video_description", "duration",
    "height", "width", "title", "embed_html", "embed_link", "like_count", "comment_count",
    "share_count", "view_count", "is_aigc",
)  # fmt: skip
DEFAULT_VIDEO_FIELDS = ("id", "create_time", "title", "cover_image_url", "share_url")


@dataclass(frozen=True)
class AuthorizeURL:
    """Where to send the user, and what to keep until the callback (``state`` to compare,
    ``code_verifier`` for the code exchange)."""

    url: str
    state: str
    code_verifier: str | None
    code_challenge: str | None


@dataclass(frozen=True)
class TokenSet:
    """The token endpoint's seven fields (``scope`` split into a tuple), with the moments
    both tokens expire, counted from when the answer arrived."""

    access_token: str
    expires_in: int
    open_id: str
    refresh_expires_in: int
    refresh_token: str
    scope: tuple[str, ...]
    token_type: str
    expires_at: float
    refresh_expires_at: float

    @classmethod
    def from_body(cls, body: Mapping[str, Any], received_at: float | None = None) -> TokenSet:
        """From the token endpoint's JSON body (also what ``POST /_tokstack/tokens`` answers)."""
        at = time.time() if received_at is None else received_at
        scope = str(body.get("scope", ""))
        return cls(
            access_token=str(body["access_token"]),
            expires_in=int(body["expires_in"]),
            open_id=str(body.get("open_id", "")),
            refresh_expires_in=int(body["refresh_expires_in"]),
            refresh_token=str(body["refresh_token"]),
            scope=tuple(s for s in scope.split(",") if s),
            token_type=str(body.get("token_type", "Bearer")),
            expires_at=at + int(body["expires_in"]),
            refresh_expires_at=at + int(body["refresh_expires_in"]),
        )

    def has_scope(self, name: str) -> bool:
        return name in self.scope

    def expired(self, now: float | None = None) -> bool:
        """Whether the access token's lifetime is over (by this machine's clock)."""
        return (time.time() if now is None else now) >= self.expires_at


@dataclass(frozen=True)
class ClientToken:
    """A ``client_credentials`` token (``clt.…``): the app's own, with no user."""

    access_token: str
    expires_in: int
    token_type: str
    expires_at: float

    @classmethod
    def from_body(cls, body: Mapping[str, Any], received_at: float | None = None) -> ClientToken:
        at = time.time() if received_at is None else received_at
        return cls(
            access_token=str(body["access_token"]),
            expires_in=int(body["expires_in"]),
            token_type=str(body.get("token_type", "Bearer")),
            expires_at=at + int(body["expires_in"]),
        )


@dataclass(frozen=True)
class User:
    """``/v2/user/info/``'s user; a field that was not requested (or not sent) is ``None``."""

    open_id: str | None = None
    union_id: str | None = None
    avatar_url: str | None = None
    avatar_url_100: str | None = None
    avatar_large_url: str | None = None
    display_name: str | None = None
    bio_description: str | None = None
    profile_deep_link: str | None = None
    is_verified: bool | None = None
    username: str | None = None
    follower_count: int | None = None
    following_count: int | None = None
    likes_count: int | None = None
    video_count: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_data(cls, user: Mapping[str, Any]) -> User:
        known = {name: user[name] for name in USER_FIELDS if name in user}
        return cls(**known, raw=dict(user))


@dataclass(frozen=True)
class Video:
    """A Video Object; a field that was not requested (or not sent) is ``None``."""

    id: str | None = None
    create_time: int | None = None
    cover_image_url: str | None = None
    share_url: str | None = None
    video_description: str | None = None
    duration: int | None = None
    height: int | None = None
    width: int | None = None
    title: str | None = None
    embed_html: str | None = None
    embed_link: str | None = None
    like_count: int | None = None
    comment_count: int | None = None
    share_count: int | None = None
    view_count: int | None = None
    is_aigc: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_data(cls, video: Mapping[str, Any]) -> Video:
        known = {name: video[name] for name in VIDEO_FIELDS if name in video}
        return cls(**known, raw=dict(video))


@dataclass(frozen=True)
class VideoPage:
    """One page of ``/v2/video/list/``: pass ``cursor`` back while ``has_more``."""

    videos: tuple[Video, ...]
    cursor: int
    has_more: bool


@dataclass(frozen=True)
class CreatorInfo:
    """``/v2/post/publish/creator_info/query/``: who posts, and what they may choose."""

    username: str
    nickname: str
    avatar_url: str
    privacy_level_options: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_post_duration_sec: int

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CreatorInfo:
        return cls(
            username=str(data.get("creator_username", "")),
            nickname=str(data.get("creator_nickname", "")),
            avatar_url=str(data.get("creator_avatar_url", "")),
            privacy_level_options=tuple(data.get("privacy_level_options", ())),
            comment_disabled=bool(data.get("comment_disabled", False)),
            duet_disabled=bool(data.get("duet_disabled", False)),
            stitch_disabled=bool(data.get("stitch_disabled", False)),
            max_video_post_duration_sec=int(data.get("max_video_post_duration_sec", 0)),
        )


@dataclass(frozen=True)
class PublishStatus:
    """Where a publish stands (``/v2/post/publish/status/fetch/``)."""

    publish_id: str
    status: str
    fail_reason: str | None = None
    post_ids: tuple[str, ...] = ()  # TikTok's publicaly_available_post_id
    uploaded_bytes: int | None = None
    downloaded_bytes: int | None = None

    @property
    def done(self) -> bool:
        return self.status in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX", "FAILED")

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"

    @classmethod
    def from_data(cls, publish_id: str, data: Mapping[str, Any]) -> PublishStatus:
        def count(name: str) -> int | None:
            value = data.get(name)
            return int(value) if value is not None else None

        return cls(
            publish_id=publish_id,
            status=str(data.get("status", "")),
            fail_reason=data.get("fail_reason"),
            post_ids=tuple(str(i) for i in data.get("publicaly_available_post_id") or ()),
            uploaded_bytes=count("uploaded_bytes"),
            downloaded_bytes=count("downloaded_bytes"),
        )
