"""Wires ports and services from settings. The only place that reads ``Settings``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokstack.clock import Clock, EmulatedClock, SystemClock
from tokstack.config import Settings
from tokstack.deadline import within
from tokstack.ids import SecretHasher
from tokstack.services import seed_sources
from tokstack.services.access_cache import AccessCache, AppCache, VersionedCache
from tokstack.services.avatars import AvatarService
from tokstack.services.blobs import BlobStore, DirectoryBlobStore
from tokstack.services.context import Context
from tokstack.services.emulated_time import ClockControl
from tokstack.services.emulator_webhooks import EmulatorWebhooks
from tokstack.services.emulator_world import World
from tokstack.services.faults import Faults
from tokstack.services.inspector import Inspector
from tokstack.services.journal import RequestJournal
from tokstack.services.limits import RateLimits
from tokstack.services.posting import Posting
from tokstack.services.publisher import Publisher
from tokstack.services.secret_box import SecretBox
from tokstack.services.uploads import Uploads
from tokstack.services.user_info import UserInfo
from tokstack.services.videos import VideoDisplay
from tokstack.services.webhooks import WebhookWorker
from tokstack.storage.journal_stores import FileJournal, RedisJournal
from tokstack.storage.leased_limits import LeasedRateLimiter
from tokstack.storage.memory_limits import MemoryRateLimiter
from tokstack.storage.ports import EphemeralStore
from tokstack.storage.signals import FileSignal, LocalSignal, RedisSignal
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.ephemeral import SqlEphemeral
from tokstack.storage.sql.faults import SqlFaultStore
from tokstack.storage.sql.repos import SqlStore
from tokstack.storage.sql.webhook_log import SqlWebhookLog
from tokstack.storage.sql.wipe import SqlWipe
from tokstack.storage.sql.world_view import SqlWorldView
from tokstack.web.csrf import FormGuard
from tokstack.web.sessions import Sessions

if TYPE_CHECKING:  # redis-py is imported only where Redis is configured (see build)
    from tokstack.storage.redis_store import RedisEphemeral


@dataclass
class Container:
    settings: Settings
    ctx: Context
    user_info: UserInfo
    sessions: Sessions
    developer_sessions: Sessions
    limits: RateLimits
    forms: FormGuard
    auto_consent: str | None = None
    faults: Faults | None = None  # emulator mode only
    clock_control: ClockControl | None = None  # emulator mode only
    world: World | None = None  # emulator mode only
    journal: RequestJournal | None = None  # emulator mode only
    webhook_log: EmulatorWebhooks | None = None  # emulator mode only
    inspector: Inspector | None = None  # emulator mode only
    redis: Any = None
    signal: Any = None
    videos: VideoDisplay | None = None
    posting: Posting | None = None
    publisher: Publisher | None = None
    _closers: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        """Background listeners (the Redis revocation bus); the app lifespan calls it."""
        if isinstance(self.signal, RedisSignal):
            self.signal.start()

    async def ping(self) -> dict[str, bool]:
        """Each backend answers within TOKSTACK_READINESS_TIMEOUT, checked side by side."""

        async def up(check: Awaitable[Any]) -> bool:
            try:
                await within(self.settings.readiness_timeout, check)
            except Exception:
                return False
            return True

        checks = {"database": up(self.ctx.store.ping())}
        if self.redis is not None:
            checks["redis"] = up(self.redis.ping())
        results = await asyncio.gather(*checks.values())
        return dict(zip(checks, results, strict=True))

    async def close(self) -> None:
        if isinstance(self.signal, RedisSignal):
            await self.signal.bus.stop()
        if isinstance(self.signal, FileSignal):
            self.signal.close()
        if self.journal is not None:
            self.journal.close()
        await self.ctx.store.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()


def build(settings: Settings, clock: Clock | None = None) -> Container:
    key = settings.secret_key_bytes()
    url = settings.resolved_database_url
    engine = async_engine(url, pool_size=settings.db_pool_size, timeout=settings.db_timeout)
    reader = async_engine(
        url, pool_size=settings.db_pool_size, timeout=settings.db_timeout, writer=False
    )
    # emulator mode's time can be moved through the control API (unless a clock is injected)
    emulated = EmulatedClock() if settings.demo and clock is None else None
    clock = clock or emulated or SystemClock()
    redis = _connect(settings.redis_url, settings.redis_timeout) if settings.redis_url else None
    ephemeral: EphemeralStore
    redis_ephemeral: RedisEphemeral | None
    signal: LocalSignal | FileSignal | RedisSignal
    # PostgreSQL without Redis may be shared by nodes that no signal reaches: a cached token
    # could outlive its revocation there, so caching is off unless the operator turns it on
    # (exact on one machine, where the signal file reaches every worker).
    ttl = settings.access_cache_ttl
    if ttl is None:
        ttl = 1.0 if redis is not None else 30.0 if settings.is_sqlite else 0.0
    if redis is not None:
        # redis-py only where Redis is configured
        from tokstack.storage.redis_bus import RedisRevocationBus
        from tokstack.storage.redis_limits import RedisRateLimiter
        from tokstack.storage.redis_store import RedisEphemeral

        prefix = settings.redis_prefix
        # emulator mode: codes and counters expire by the emulated clock, as on SQL
        ephemeral = redis_ephemeral = RedisEphemeral(redis, prefix, clock=emulated)
        signal = RedisSignal(RedisRevocationBus(redis, prefix), confirm_within=ttl)
        limiter: Any = (
            LeasedRateLimiter(RedisRateLimiter(redis, prefix))
            if emulated is None
            else LeasedRateLimiter(
                RedisRateLimiter(redis, prefix, clock=emulated.precise), clock=emulated.precise
            )
        )
    else:
        ephemeral, redis_ephemeral = SqlEphemeral(engine, clock, reader), None
        # the workers of one machine share the file; other nodes cannot be told (no Redis)
        signal = FileSignal(settings.data_dir / "access.signal")
        limiter = MemoryRateLimiter() if emulated is None else MemoryRateLimiter(emulated.precise)
    avatars = AvatarService(
        _blobs(settings),
        key,
        settings.public_url,
        settings.avatar_url_ttl,
    )
    # Local and file signals never miss a change; a Redis subscriber can lose one unnoticed
    # for a moment, so across nodes an entry lives at most a second.
    cache = AccessCache(signal, ttl=ttl) if ttl else None
    app_cache = AppCache(signal, ttl=ttl) if ttl else None
    ctx = Context(
        store=SqlStore(engine, reader, on_change=signal.notify, timeout=settings.db_timeout),
        ephemeral=ephemeral,
        hasher=SecretHasher(key),
        clock=clock,
        policy=settings.token_policy(),
        region=settings.region,
        avatars=avatars,
        public_url=settings.public_url,
        box=SecretBox(key),
        access_cache=cache,
        app_cache=app_cache,
        emulator=settings.demo,
    )
    clock_control = ClockControl(emulated, ephemeral, signal) if emulated is not None else None
    journal = _journal(settings, ctx, redis) if settings.demo else None
    world = (
        World(
            ctx,
            SqlWipe(engine, redis_ephemeral),
            signal,
            clock_control,
            journal,
            seed_sources.from_file(settings.seed) if settings.seed is not None else None,
        )
        if settings.demo
        else None
    )
    secure = settings.public_url.startswith("https://")
    if settings.auto_consent and not settings.demo:
        raise ValueError("auto-consent is refused outside demo mode")
    faults = Faults(ctx, SqlFaultStore(engine), signal) if settings.demo else None
    webhook_log = EmulatorWebhooks(ctx, SqlWebhookLog(engine)) if settings.demo else None
    inspector = None
    if faults is not None and webhook_log is not None:
        view = SqlWorldView(engine)
        inspector = Inspector(ctx, view, faults, clock_control, journal, webhook_log)
    staging = settings.data_dir / "staging"
    publisher = Publisher(
        ctx, avatars.blobs, staging, faults=faults, poll_interval=settings.publish_poll_interval
    )
    uploads = Uploads(ctx, avatars.blobs, key, staging, publisher.wake)
    return Container(
        settings,
        ctx,
        UserInfo(avatars, settings.public_url),
        Sessions(key, secure=secure),
        Sessions(key, secure=secure, cookie="tokstack_developer"),
        RateLimits(limiter, settings.rate_limit_per_minute, settings.token_rate_limit_per_minute),
        FormGuard(key, secure=secure),
        settings.auto_consent or None,
        faults,
        clock_control,
        world,
        journal,
        webhook_log,
        inspector,
        redis,
        signal,
        VideoDisplay(
            avatars.blobs,
            key,
            settings.public_url,
            VersionedCache(signal, ttl=ttl) if ttl else None,
        ),
        Posting(ctx, uploads, publisher.wake),
        publisher,
    )


def _connect(url: str, timeout: float) -> Any:
    from tokstack.storage.redis_store import connect  # 0.1 s of imports: only with Redis

    return connect(url, timeout)


def _blobs(settings: Settings) -> BlobStore:
    """A directory in data_dir (one machine's workers), or S3 shared by every node."""
    if not settings.blob_url:
        return DirectoryBlobStore(settings.data_dir / "blobs")
    from tokstack.storage.s3_blobs import S3BlobStore  # minio only where S3 is configured

    return S3BlobStore(settings.blob_url, settings.blob_access_key, settings.blob_secret_key)


def _journal(settings: Settings, ctx: Context, redis: Any) -> RequestJournal:
    """One Redis list across nodes; else files of this machine's workers."""
    size = settings.journal_size
    if redis is not None:
        return RequestJournal(RedisJournal(redis, settings.redis_prefix, size), ctx)
    return RequestJournal(FileJournal(settings.data_dir / "journal", size), ctx)


def prepare_database(settings: Settings) -> None:
    """The embedded default migrates itself; a shared database is upgraded by the operator.
    An S3 blob store's bucket is made if missing."""
    from tokstack.storage.sql import migrate  # Alembic is large: only where it runs

    url = settings.resolved_database_url
    if settings.is_sqlite:
        migrate.upgrade(url)
    elif migrate.pending(url):
        raise RuntimeError("the database schema is behind: run `tokstack db upgrade` first")
    blobs = _blobs(settings)
    ensure = getattr(blobs, "ensure_bucket", None)
    if ensure is not None:
        ensure()


def webhook_worker(container: Container) -> WebhookWorker:
    settings = container.settings
    return WebhookWorker(
        container.ctx,
        base_delay=settings.webhook_retry_base,
        poll_interval=settings.webhook_poll_interval,
        timeout=settings.webhook_timeout,
        before_pass=container.clock_control.refresh if container.clock_control else None,
        attempts=container.webhook_log.log if container.webhook_log else None,
    )
