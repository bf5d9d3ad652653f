"""Schema (SQLAlchemy Core). Portable across SQLite and PostgreSQL; times are epoch seconds."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")

developers = Table(
    "developers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True, unique=True),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

apps = Table(
    "apps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("developer_id", Id, ForeignKey("developers.id"), nullable=False, index=True),
    Column("client_key", String(64), nullable=False, unique=True),
    Column("client_secret_hash", String(64), nullable=False),
    # Fernet-encrypted secret: webhook signatures need the secret itself (see secrets.py)
    Column("client_secret_enc", Text, nullable=True),
    Column("name", String(200), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("redirect_uris", Text, nullable=False, default=""),  # newline-separated
    Column("scopes", Text, nullable=False, default=""),  # comma-separated
    Column("webhook_url", String(512), nullable=True),
    Column("icon_key", String(128), nullable=True),
    Column("rate_limit_per_minute", Integer, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    # the Content Posting API: unaudited apps post SELF_ONLY; PULL_FROM_URL needs a prefix
    Column("audited", Boolean, nullable=False, default=False, server_default=false()),
    Column(
        "url_prefixes", Text, nullable=False, default="", server_default=""
    ),  # newline-separated
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("bio_description", Text, nullable=False, default=""),
    Column("is_verified", Boolean, nullable=False, default=False),
    Column("follower_count", BigInteger, nullable=False, default=0),
    Column("following_count", BigInteger, nullable=False, default=0),
    Column("likes_count", BigInteger, nullable=False, default=0),
    Column("video_count", BigInteger, nullable=False, default=0),
    # False: video_count is kept equal to the user's public videos; True: an operator set it
    Column("video_count_set", Boolean, nullable=False, default=False, server_default=false()),
    Column("avatar_key", String(128), nullable=True),
    Column("status", String(16), nullable=False, default="active"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

union_ids = Table(
    "union_ids",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("developer_id", Id, ForeignKey("developers.id"), primary_key=True),
    Column("union_id", String(64), nullable=False, unique=True),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False, index=True),
    Column("open_id", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False, default=""),
    Column("granted_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    UniqueConstraint("user_id", "app_id", name="uq_authorizations_user_app"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("digest", String(64), primary_key=True),  # HMAC-SHA256 of the token, hex
    Column("kind", String(8), nullable=False),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False),
    Column("authorization_id", Id, ForeignKey("authorizations.id"), nullable=True),
    Column("grant_id", String(64), nullable=True),
    Column("scopes", Text, nullable=False, default=""),
    Column("issued_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("rotated_at", BigInteger, nullable=True),
    Index("ix_tokens_authorization", "authorization_id"),
    Index("ix_tokens_grant", "grant_id"),
    Index("ix_tokens_expires", "expires_at"),
)

ephemeral = Table(
    "ephemeral",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_ephemeral_expires", "expires_at"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False),
    Column("url", String(512), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("delivered_at", BigInteger, nullable=True),
    Column("dead_at", BigInteger, nullable=True),
    Column("last_error", String(500), nullable=True),
    Index("ix_webhook_events_due", "delivered_at", "dead_at", "next_attempt_at"),
)

# Emulator mode only: fault rules shared by every worker and node (see services/faults.py).
emulator_faults = Table(
    "emulator_faults",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("body", Text, nullable=False),  # the rule as JSON
    Column("hits", BigInteger, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),  # rules apply in the order they were added
)

# Emulator mode only: each delivery attempt of a webhook event (GET /_tokstack/webhooks).
emulator_webhook_attempts = Table(
    "emulator_webhook_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", Id, ForeignKey("webhook_events.id"), nullable=False, index=True),
    Column("at", BigInteger, nullable=False),
    Column("signature", String(200), nullable=True),  # the TikTok-Signature header sent
    Column("error", String(500), nullable=True),  # None: delivered (a 2xx answer)
    Column("next_attempt_at", BigInteger, nullable=True),  # None: no retry (done or dead)
)

videos = Table(
    "videos",
    metadata,
    Column("id", String(19), primary_key=True),  # TikTok's numeric string ids
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("title", String(600), nullable=False),
    Column("description", Text, nullable=False),  # a post's caption: up to 2200 units
    Column("duration", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("privacy_level", String(32), nullable=False),
    Column("like_count", BigInteger, nullable=False),
    Column("comment_count", BigInteger, nullable=False),
    Column("share_count", BigInteger, nullable=False),
    Column("view_count", BigInteger, nullable=False),
    Column("is_aigc", Boolean, nullable=False),
    Column("source", String(16), nullable=False),
    Column("media_key", String(200), nullable=True),
    Column("cover_key", String(200), nullable=True),
    # a user's videos, newest first, for /v2/video/list/'s pages
    Index("ix_videos_user_id_create_time", "user_id", "create_time"),
)

# The Content Posting API: one row per init, the durable processing job leased by any worker.
publishes = Table(
    "publishes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("app_id", Id, ForeignKey("apps.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # DIRECT_POST | INBOX_SHARE
    Column("source", String(16), nullable=False),  # FILE_UPLOAD | PULL_FROM_URL
    Column("status", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("post_info", Text, nullable=False),
    Column("video_size", BigInteger, nullable=False),
    Column("chunk_size", BigInteger, nullable=False),
    Column("total_chunk_count", Integer, nullable=False),
    Column("uploaded_bytes", BigInteger, nullable=False),
    Column("downloaded_bytes", BigInteger, nullable=False),
    Column("video_url", Text, nullable=True),
    Column("media_type", String(8), nullable=False, default="VIDEO", server_default="VIDEO"),
    Column("photo_images", Text, nullable=True),  # a photo post's URLs, as a JSON list
    Column("upload_key", String(64), nullable=False),
    Column("upload_expires_at", BigInteger, nullable=False),
    Column("ready", Boolean, nullable=False),
    Column("lease_until", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("fail_reason", String(64), nullable=True),
    Column("video_id", String(19), nullable=True),
    Index("ix_publishes_due", "ready", "status", "lease_until"),
    Index("ix_publishes_user_created", "user_id", "created_at"),
    Index("ix_publishes_video_id", "video_id"),
)
