"""Narrow storage interfaces owned by the core. Every backend passes one contract suite."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from tokstack.domain.models import (
    AccessContext,
    App,
    Authorization,
    Developer,
    Renewal,
    Renewed,
    TokenRecord,
    User,
    WebhookEvent,
)
from tokstack.domain.posting import Publish
from tokstack.domain.videos import Video


class DeveloperRepo(Protocol):
    async def add(
        self, name: str, now: int, email: str | None = None, password_hash: str | None = None
    ) -> Developer: ...
    async def get(self, developer_id: int) -> Developer | None: ...
    async def by_email(self, email: str) -> Developer | None: ...
    async def all(self) -> list[Developer]: ...


class AppRepo(Protocol):
    async def add(
        self,
        *,
        developer_id: int,
        client_key: str,
        client_secret_hash: str,
        name: str,
        platform: str,
        redirect_uris: tuple[str, ...],
        scopes: tuple[str, ...],
        webhook_url: str | None,
        now: int,
        client_secret_enc: str | None = None,
    ) -> App: ...
    async def get(self, app_id: int) -> App | None: ...
    async def by_client_key(self, client_key: str) -> App | None: ...
    async def for_developer(self, developer_id: int) -> list[App]: ...
    async def all(self) -> list[App]: ...
    async def update(self, app_id: int, **values: Any) -> App: ...


class UserRepo(Protocol):
    async def add(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str | None,
        bio_description: str,
        is_verified: bool,
        now: int,
    ) -> User: ...
    async def get(self, user_id: int) -> User | None: ...
    async def by_username(self, username: str) -> User | None: ...
    async def all(self) -> list[User]: ...
    async def update(self, user_id: int, **values: Any) -> User: ...


class AuthorizationRepo(Protocol):
    async def ensure(self, user_id: int, app_id: int, open_id: str, now: int) -> Authorization:
        """The user x app authorization, created with ``open_id`` if it does not exist."""
        ...

    async def get(self, authorization_id: int) -> Authorization | None: ...
    async def active(self, authorization_id: int) -> Authorization | None:
        """The authorization unless revoked, held against revocation until the unit ends:
        a revocation committing meanwhile waits, then also revokes what this unit minted."""
        ...

    async def find(self, user_id: int, app_id: int) -> Authorization | None: ...
    async def grant(self, authorization_id: int, scopes: tuple[str, ...], now: int) -> None: ...
    async def revoke(self, authorization_id: int, now: int) -> bool:
        """Clears the grant and revokes every token of it; False if already revoked."""
        ...

    async def ensure_union_id(self, user_id: int, developer_id: int, union_id: str) -> str: ...
    async def for_user(self, user_id: int) -> list[Authorization]:
        """The user's active (granted, not revoked) authorizations."""
        ...


class TokenRepo(Protocol):
    async def add(self, record: TokenRecord) -> None: ...
    async def get(self, digest: str) -> TokenRecord | None: ...
    async def revoke(self, digest: str, now: int) -> None: ...
    async def revoke_grant(self, grant_id: str, now: int) -> int: ...
    async def rotate(self, digest: str, now: int) -> bool:
        """Marks a refresh token used; True only for the one caller that did so first."""
        ...


class WebhookRepo(Protocol):
    async def enqueue(self, app_id: int, url: str, body: str, now: int) -> None: ...
    async def claim_due(self, now: int, lease: int, limit: int) -> list[WebhookEvent]:
        """Due events, each leased until ``now + lease`` so no other worker sends it."""
        ...

    async def delivered(self, event_id: int, now: int) -> None: ...
    async def failed(self, event_id: int, retry_at: int | None, error: str, now: int) -> None:
        """Records a failed attempt; ``retry_at`` None means the event is dropped."""
        ...

    async def backlog(self) -> int: ...


class VideoRepo(Protocol):
    async def add(self, video: Video) -> Video: ...
    async def get(self, video_id: str) -> Video | None: ...
    async def page(
        self, user_id: int, before: int | None, limit: int, public_only: bool = True
    ) -> list[Video]:
        """Newest first, created strictly before ``before`` (UNIX seconds) when given."""
        ...

    async def of_user(self, user_id: int, ids: Sequence[str]) -> list[Video]: ...
    async def count_public(self, user_id: int) -> int: ...
    async def blob_keys(self) -> list[str]: ...
    async def remove(self, video_id: str) -> Video | None: ...
    async def set_privacy(self, video_id: str, privacy_level: str, create_time: int) -> bool:
        """Changes a video's privacy (a draft posted); the user's video_count follows."""
        ...


class PublishRepo(Protocol):
    """Content Posting API publishes; see storage/sql/publishes.py for the races they settle."""

    async def add(self, publish: Publish) -> Publish: ...
    async def get(self, publish_id: str) -> Publish | None: ...
    async def advance(self, publish_id: str, start: int, end: int, ready: bool, now: int) -> bool:
        """Counts bytes in if the upload stands at ``start``; False if another PUT moved it."""
        ...

    async def claim_due(self, now: int, lease: int, limit: int) -> list[Publish]: ...
    async def finish(self, publish_id: str, now: int, **values: Any) -> bool: ...
    async def finish_download(self, publish_id: str, size: int) -> None: ...
    async def set_status(self, publish_id: str, old: str, new: str, now: int) -> bool: ...
    async def for_video(self, video_id: str) -> Publish | None: ...
    async def count_since(self, user_id: int, kind: str, since: int) -> int: ...
    async def with_status(self, user_id: int, kind: str, status: str) -> list[Publish]: ...
    async def upload_keys(self) -> list[tuple[str, int]]: ...


class Unit(Protocol):
    """One transaction: committed when the block ends cleanly, rolled back otherwise."""

    @property
    def developers(self) -> DeveloperRepo: ...
    @property
    def apps(self) -> AppRepo: ...
    @property
    def users(self) -> UserRepo: ...
    @property
    def authorizations(self) -> AuthorizationRepo: ...
    @property
    def tokens(self) -> TokenRepo: ...
    @property
    def webhooks(self) -> WebhookRepo: ...
    @property
    def videos(self) -> VideoRepo: ...
    @property
    def publishes(self) -> PublishRepo: ...


class Store(Protocol):
    def unit(self) -> AbstractAsyncContextManager[Unit]: ...
    def read(self) -> AbstractAsyncContextManager[Unit]:
        """Like ``unit`` for reads only; writing through it is a bug."""
        ...

    async def access_context(self, digest: str) -> AccessContext | None:
        """The hot-path read: token + authorization + user + union_id in one query."""
        ...

    async def mint(self, authorization_id: int, records: Sequence[TokenRecord]) -> str | None:
        """Stores ``records`` in one durable transaction if the authorization is active.

        The code exchange's write. Returns the authorization's open_id, or None having
        written nothing.
        """
        ...

    async def renew(
        self, refresh_digest: str, app_id: int, now: int, renewal: Renewal
    ) -> Renewed | None:
        """The refresh grant's read and write in one durable transaction.

        Only for a refresh token of ``app_id`` that is unexpired at ``now``, neither revoked
        nor used, of an active authorization: marks it used at ``now`` when ``renewal``
        brings a new refresh token, and stores the new tokens with its authorization, grant
        and scopes. None, having written nothing, in every other case.
        """
        ...

    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class EphemeralStore(Protocol):
    """Short-lived values with a TTL: codes, interactions, throttling counters.

    The SQL implementation serves one node (any number of workers); Redis serves many.
    """

    async def put(self, key: str, value: str, ttl: int) -> None: ...
    async def get(self, key: str) -> str | None: ...
    async def take(self, key: str, leave: tuple[str, str, int] | None = None) -> str | None:
        """Atomically reads and deletes; of concurrent callers only one gets the value.

        ``leave=(key, value, ttl)`` puts that value in the same atomic step, only if there
        was something to take (a used code leaves a marker, with no gap between the two).
        """
        ...

    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> int:
        """Adds one to a counter that expires ``ttl`` seconds after its first increment."""
        ...


class WorldWipe(Protocol):
    """Emulator reset: forgets every developer, app, user, grant, token, webhook event,
    fault rule and ephemeral entry (codes, login steps, counters, the emulated clock)."""

    async def wipe(self) -> None: ...


class FaultStore(Protocol):
    """Emulator-mode fault rules, shared by every worker and node of one database."""

    async def add(self, rule_id: str, body: str, now: int) -> None: ...
    async def all(self) -> list[tuple[str, str, int]]:
        """``(id, body, hits)`` of every rule, in the order they were added."""
        ...

    async def hit(self, rule_id: str, limit: int | None) -> int:
        """Counts one more matching request, atomically across nodes, unless the rule has
        ``limit`` hits already: the new count, or 0 if the rule is spent or gone."""
        ...

    async def remove(self, rule_id: str) -> bool: ...
    async def clear(self) -> int: ...


class WebhookLog(Protocol):
    """Emulator mode: every queued webhook event with its delivery state, newest first."""

    async def events(self, limit: int) -> list[dict[str, Any]]:
        """Each row also has ``attempt_log``: its delivery attempts, oldest first."""
        ...

    async def record(
        self, event_id: int, at: int, signature: str | None, error: str | None, retry: int | None
    ) -> None:
        """One delivery attempt: when, the signature sent, the error (None: delivered) and
        the next retry (None: none)."""
        ...


class WorldView(Protocol):
    """Emulator mode's inspector page: every grant with its live token counts."""

    async def grants(self, now: int, limit: int) -> list[dict[str, Any]]: ...
