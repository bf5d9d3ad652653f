"""Wires ports and services from settings. The only place that reads ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass

from tokstack.clock import Clock, SystemClock
from tokstack.config import Settings
from tokstack.ids import SecretHasher
from tokstack.services.avatars import AvatarService
from tokstack.services.blobs import DirectoryBlobStore
from tokstack.services.context import Context
from tokstack.services.secret_box import SecretBox
from tokstack.services.user_info import UserInfo
from tokstack.services.webhooks import WebhookWorker
from tokstack.storage.sql import migrate
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.ephemeral import SqlEphemeral
from tokstack.storage.sql.repos import SqlStore
from tokstack.web.sessions import Sessions


@dataclass
class Container:
    settings: Settings
    ctx: Context
    user_info: UserInfo
    sessions: Sessions
    developer_sessions: Sessions
    auto_consent: str | None = None

    async def close(self) -> None:
        await self.ctx.store.close()


def build(settings: Settings, clock: Clock | None = None) -> Container:
    key = settings.secret_key_bytes()
    url = settings.resolved_database_url
    engine = async_engine(url, pool_size=settings.db_pool_size, timeout=settings.db_timeout)
    reader = (
        async_engine(
            url, pool_size=settings.db_pool_size, timeout=settings.db_timeout, writer=False
        )
        if settings.is_sqlite
        else engine
    )
    avatars = AvatarService(
        DirectoryBlobStore(settings.data_dir / "blobs"),
        key,
        settings.public_url,
        settings.avatar_url_ttl,
    )
    clock = clock or SystemClock()
    ctx = Context(
        store=SqlStore(engine, reader),
        ephemeral=SqlEphemeral(engine, clock, reader),
        hasher=SecretHasher(key),
        clock=clock,
        policy=settings.token_policy(),
        region=settings.region,
        avatars=avatars,
        public_url=settings.public_url,
        box=SecretBox(key),
    )
    secure = settings.public_url.startswith("https://")
    if settings.auto_consent and not settings.demo:
        raise ValueError("auto-consent is refused outside demo mode")
    return Container(
        settings,
        ctx,
        UserInfo(avatars, settings.public_url),
        Sessions(key, secure=secure),
        Sessions(key, secure=secure, cookie="tokstack_developer"),
        settings.auto_consent or None,
    )


def prepare_database(settings: Settings) -> None:
    """The embedded default migrates itself; a shared database is upgraded by the operator."""
    url = settings.resolved_database_url
    if settings.is_sqlite:
        migrate.upgrade(url)
    elif migrate.pending(url):
        raise RuntimeError("the database schema is behind: run `tokstack db upgrade` first")


def webhook_worker(container: Container) -> WebhookWorker:
    settings = container.settings
    return WebhookWorker(
        container.ctx,
        base_delay=settings.webhook_retry_base,
        poll_interval=settings.webhook_poll_interval,
        timeout=settings.webhook_timeout,
    )
