"""Plain records the core works with; storage maps rows to these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Developer:
    id: int
    name: str
    created_at: int
    email: str | None = None
    password_hash: str | None = None


@dataclass(frozen=True)
class App:
    id: int
    developer_id: int
    client_key: str
    client_secret_hash: str
    name: str
    platform: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    webhook_url: str | None
    created_at: int
    rate_limit_per_minute: int | None = None
    client_secret_enc: str | None = None
    icon_key: str | None = None
    audited: bool = False  # unaudited apps may only post SELF_ONLY videos
    url_prefixes: tuple[str, ...] = ()  # verified for PULL_FROM_URL


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    password_hash: str | None
    bio_description: str
    is_verified: bool
    follower_count: int
    following_count: int
    likes_count: int
    video_count: int
    avatar_key: str | None
    status: str
    created_at: int


@dataclass(frozen=True)
class Authorization:
    id: int
    user_id: int
    app_id: int
    open_id: str
    scopes: tuple[str, ...]
    granted_at: int | None
    revoked_at: int | None


@dataclass(frozen=True)
class TokenRecord:
    digest: str
    kind: str  # "access" | "refresh" | "client"
    app_id: int
    authorization_id: int | None
    grant_id: str | None
    scopes: tuple[str, ...]
    issued_at: int
    expires_at: int
    revoked_at: int | None = None
    rotated_at: int | None = None


@dataclass(frozen=True)
class Renewal:
    """What a refresh grant stores for the refresh token it spends."""

    access_digest: str
    access_expires_at: int
    refresh_digest: str | None  # the rotated-in refresh token; None keeps the old one usable
    grant_id: str  # for a refresh token stored without one


@dataclass(frozen=True)
class Renewed:
    open_id: str
    scopes: tuple[str, ...]
    refresh_expires_at: int  # the spent refresh token's: the lifetime carries over


@dataclass(frozen=True)
class AccessContext:
    """Everything ``/v2/user/info/`` needs, read with one lookup by token digest."""

    token: TokenRecord
    user: User
    open_id: str
    union_id: str
    app_platform: str
    app_rate_limit: int | None = None
    client_key: str = ""  # the app's (share_url names it)


@dataclass(frozen=True)
class WebhookEvent:
    id: int
    app_id: int
    url: str
    body: str
    created_at: int
    attempts: int
