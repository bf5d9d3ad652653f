"""A typed client for TikTok's Open API v2: Login Kit (OAuth 2.0 with PKCE) and the User
Data API, sync (``TikTok``) and asyncio (``AsyncTikTok``), on httpx.

It imports httpx and the standard library only (an import-linter contract keeps it so), so
that it can become a distribution of its own. It talks to real TikTok by default; pass
``base_url=`` to point it at tokstack.
"""

from tokstack.client import webhooks
from tokstack.client._async import AsyncTikTok
from tokstack.client._sync import TikTok
from tokstack.client.errors import (
    AccessTokenInvalid,
    InternalError,
    InvalidClient,
    InvalidGrant,
    InvalidParams,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    RateLimitExceeded,
    ScopeNotAuthorized,
    TikTokClientError,
    TikTokError,
)
from tokstack.client.models import (
    USER_FIELDS,
    VIDEO_FIELDS,
    AuthorizeURL,
    ClientToken,
    CreatorInfo,
    PublishStatus,
    TokenSet,
    User,
    Video,
    VideoPage,
)
from tokstack.client.webhooks import InvalidSignature, WebhookEvent

__all__ = [
    "USER_FIELDS",
    "VIDEO_FIELDS",
    "AccessTokenInvalid",
    "AsyncTikTok",
    "AuthorizeURL",
    "ClientToken",
    "CreatorInfo",
    "InternalError",
    "InvalidClient",
    "InvalidGrant",
    "InvalidParams",
    "InvalidRequest",
    "InvalidScope",
    "InvalidSignature",
    "OAuthError",
    "PublishStatus",
    "RateLimitExceeded",
    "ScopeNotAuthorized",
    "TikTok",
    "TikTokClientError",
    "TikTokError",
    "TokenSet",
    "User",
    "Video",
    "VideoPage",
    "WebhookEvent",
    "webhooks",
]
