"""Seed data: the app and one user through tokstack's services, the bulk through SQL.

Bulk rows are written the way the repositories write them (tokens only as HMAC digests), so
the server cannot tell them from tokens it minted itself. Small sets go through SQLAlchemy
inserts; large PostgreSQL sets through ``COPY ... FROM STDIN`` into the migrated schema, every
index in place, followed by ``VACUUM (ANALYZE)``.

Only ``real_tokens`` access tokens (a uniform sample over the whole table) are kept as
strings for the load test; the other rows hold HMAC digests of filler strings that no client
holds: they exist, they are indexed, nobody sends them.
"""

from __future__ import annotations

import asyncio
import random
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import orjson
import psycopg
from psycopg import sql
from sqlalchemy import Table, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack import ids
from tokstack.config import Settings
from tokstack.domain import scopes
from tokstack.domain.seed import SeedVideo
from tokstack.oauth.codes import CodeGrant
from tokstack.services import accounts, seed_videos
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.ephemeral import SqlEphemeral
from tokstack.storage.sql.tables import authorizations, ephemeral, tokens, union_ids, users
from tokstack.web.container import build

CLIENT_KEY = "awbenchwebapp001"
CLIENT_SECRET = "benchSecretWebApp000000000000001"  # noqa: S105 - a published bench fixture
REDIRECT_URI = "https://bench.example/auth/callback/"
GRANTED = (scopes.BASIC, scopes.PROFILE, scopes.STATS)
VIDEO_SCOPES = (*GRANTED, "video.list", "video.publish")  # the video scenarios' own token
VIDEOS = 25  # the first user's public videos: a full page of 20 and more
CHUNK = 5000
PUT_CONCURRENCY = 32  # within the Redis client's connection pool
COPY_MIN_ROWS = 20_000  # PostgreSQL: token rows from which the bulk goes through COPY
REAL_TOKENS = 100_000  # default: every access token is real up to this many, else a sample
BULK_TABLES = (users, authorizations, union_ids, tokens)
_ALNUM = string.ascii_letters + string.digits

USER_COLUMNS = (
    "username", "display_name", "password_hash", "bio_description", "is_verified",
    "follower_count", "following_count", "likes_count", "video_count", "avatar_key",
    "status", "created_at", "updated_at",
)  # fmt: skip
AUTH_COLUMNS = ("user_id", "app_id", "open_id", "scopes", "granted_at", "revoked_at")
UNION_COLUMNS = ("user_id", "developer_id", "union_id")
TOKEN_COLUMNS = (
    "digest", "kind", "app_id", "authorization_id", "grant_id", "scopes",
    "issued_at", "expires_at", "revoked_at", "rotated_at",
)  # fmt: skip

Row = tuple[Any, ...]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Seeded:
    app_id: int
    developer_id: int
    warm_token: str  # issued by tokstack itself (``issue_for_user``)
    video_token: str  # the first user's, with video.list and video.publish (videos scenarios)
    access_tokens: list[str]  # real ones only: the warm token, then the sample in table order
    refresh_tokens: list[str]
    authorization_ids: list[int]
    user_ids: list[int]
    token_rows: int = 0  # rows in ``tokens``, real or filler
    method: str = "insert"  # "insert" (SQLAlchemy) or "copy" (PostgreSQL COPY)
    phases: tuple[tuple[str, float], ...] = ()  # (what, seconds) of the bulk load


def _token(rng: random.Random, prefix: str, region: str) -> str:
    """The shape of ``tokstack.ids.token``, from a fast non-secret generator."""
    body = "".join(rng.choices(_ALNUM, k=60))
    return f"{prefix}.{body}!{rng.randrange(10_000):04d}.{region}"


def _engine(settings: Settings) -> AsyncEngine:
    return async_engine(settings.resolved_database_url, pool_size=2, timeout=30)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def libpq_url(settings: Settings) -> str:
    """The database URL for plain psycopg (no SQLAlchemy driver suffix)."""
    url = make_url(settings.resolved_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class _Writer(Protocol):
    method: str

    async def write(self, table: Table, columns: Sequence[str], rows: Iterable[Row]) -> int: ...


class _InsertWriter:
    """SQLAlchemy multi-row inserts, ``CHUNK`` rows per transaction (any backend)."""

    method = "insert"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, table: Table, columns: Sequence[str], rows: Iterable[Row]) -> int:
        count, batch = 0, []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == CHUNK:
                count += await self._flush(table, batch)
                batch = []
        return count + (await self._flush(table, batch) if batch else 0)

    async def _flush(self, table: Table, batch: list[dict[str, Any]]) -> int:
        async with self.engine.begin() as db:
            await db.execute(insert(table), batch)
        return len(batch)


class _CopyWriter:
    """``COPY table (columns) FROM STDIN`` with psycopg, one transaction per table.

    Foreign keys stay declared and every index is maintained row by row, but the load skips
    the per-row foreign-key triggers (``session_replication_role = replica``, as
    ``pg_restore --disable-triggers`` does) when the role may: the rows reference the app
    and rows written just before, by construction. Blocking on purpose: nothing else runs
    on the seeding event loop meanwhile."""

    method = "copy"
    skip_fk_checks = True

    def __init__(self, url: str) -> None:
        self.url = url

    async def write(self, table: Table, columns: Sequence[str], rows: Iterable[Row]) -> int:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count = 0
        with psycopg.connect(self.url) as conn:
            if self.skip_fk_checks:
                try:
                    conn.execute("SET session_replication_role = replica")
                except psycopg.errors.InsufficientPrivilege:
                    conn.rollback()  # not a superuser: every row is checked, only slower
            with conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count


def vacuum_analyze(url: str) -> None:
    """After a bulk load: statistics for the planner, hint bits and the visibility map set
    now (not by the first readers), and nothing left for autovacuum to start mid-run."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = sql.SQL(", ").join(sql.Identifier(t.name) for t in BULK_TABLES)
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(names))


def _user_rows(rng: random.Random, count: int, avatar_key: str | None, now: int) -> Iterator[Row]:
    for i in range(1, count):
        yield (
            f"bench{i:06d}",
            f"Bench User {i:06d}",
            None,
            "benchmark",
            i % 7 == 0,
            rng.randrange(100_000),
            rng.randrange(1_000),
            rng.randrange(1_000_000),
            rng.randrange(500),
            avatar_key,  # one rendered avatar shared by everyone
            "active",
            now,
            now,
        )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class _TokenPlan:
    """Which bulk access tokens are real: all, or a uniform sample of positions."""

    tokens_per_user: int
    chosen: frozenset[int] | None  # positions (auth index x tokens_per_user + n); None: all

    def real_access(self, position: int) -> bool:
        return self.chosen is None or position in self.chosen

    def real_refresh(self, auth_index: int) -> bool:
        if self.chosen is None:
            return True
        first = auth_index * self.tokens_per_user
        return any(p in self.chosen for p in range(first, first + self.tokens_per_user))


def _plan(rng: random.Random, auths: int, tokens_per_user: int, real: int | None) -> _TokenPlan:
    total = auths * tokens_per_user
    bulk_real = None if real is None else max(0, real - 1)  # the warm token is real too
    if bulk_real is None or bulk_real >= total:
        return _TokenPlan(tokens_per_user, None)
    return _TokenPlan(tokens_per_user, frozenset(rng.sample(range(total), bulk_real)))


def _token_rows(
    rng: random.Random,
    settings: Settings,
    digest: Callable[[str], str],
    plan: _TokenPlan,
    auth_rows: Sequence[tuple[int, int]],
    *,
    app_id: int,
    now: int,
    access_ttl: int,
    refresh_ttl: int,
    access: list[str],
    refresh: list[str],
) -> Iterator[Row]:
    """Per authorization: ``tokens_per_user`` access tokens and one refresh token; real
    tokens are appended to ``access``/``refresh`` as they are generated."""
    granted = scopes.format_list(GRANTED)
    region = settings.region
    for index, (auth_id, _user_id) in enumerate(auth_rows):
        grant = f"{rng.getrandbits(128):032x}"
        base = index * plan.tokens_per_user
        for n in range(plan.tokens_per_user):
            if plan.real_access(base + n):
                value = _token(rng, "act", region)
                access.append(value)
            else:
                value = f"act.bench-filler.{base + n}"
            yield (
                digest(value), "access", app_id, auth_id, grant, granted,
                now, now + access_ttl, None, None,
            )  # fmt: skip
        if plan.real_refresh(index):
            value = _token(rng, "rft", region)
            refresh.append(value)
        else:
            value = f"rft.bench-filler.{index}"
        yield (
            digest(value), "refresh", app_id, auth_id, grant, granted,
            now, now + refresh_ttl, None, None,
        )  # fmt: skip


async def seed(
    settings: Settings,
    *,
    users_count: int,
    tokens_per_user: int,
    real_tokens: int | None = REAL_TOKENS,
    copy: bool | None = None,
    progress: Progress | None = None,
) -> Seeded:
    """``users_count`` users, each authorized for one web app with ``tokens_per_user`` access
    tokens and one refresh token.

    ``real_tokens``: at most this many access tokens come back usable (None: all of them).
    ``copy``: PostgreSQL COPY for the bulk (None: when there are ``COPY_MIN_ROWS`` token rows
    or more)."""
    say = progress or _stderr
    container = build(settings)
    ctx = container.ctx
    try:
        developer = await accounts.create_developer(ctx, "Bench Developer")
        new_app = await accounts.create_app(
            ctx,
            developer_id=developer.id,
            name="Bench Web App",
            platform="web",
            redirect_uri_list=[REDIRECT_URI],
            scope_list=list(VIDEO_SCOPES),
            client_key=CLIENT_KEY,
            client_secret=CLIENT_SECRET,
            audited=True,  # the upload measurement posts publicly
        )
        first = await accounts.create_user(
            ctx, username="bench000000", display_name="Bench User 000000", bio="benchmark"
        )
        issued = await issue_for_user(
            ctx, client_key=CLIENT_KEY, username=first.username, requested=list(GRANTED)
        )
        video_token = await issue_for_user(
            ctx, client_key=CLIENT_KEY, username=first.username, requested=list(VIDEO_SCOPES)
        )
        for index in range(VIDEOS):  # a stand-in clip and a generated cover each
            spec = SeedVideo(f"videos[{index}]", first.username, index, title=f"bench {index}")
            await seed_videos.write(ctx, spec)
    finally:
        await container.close()

    if copy is None:
        copy = not settings.is_sqlite and users_count * (tokens_per_user + 1) >= COPY_MIN_ROWS
    if copy and settings.is_sqlite:
        raise ValueError("COPY seeding needs PostgreSQL")
    app_id, hasher, now, policy = new_app.app.id, ctx.hasher, ctx.clock.now(), ctx.policy
    rng = random.Random(users_count)
    engine = _engine(settings)
    writer: _Writer = _CopyWriter(libpq_url(settings)) if copy else _InsertWriter(engine)
    phases: list[tuple[str, float]] = []
    big = users_count * (tokens_per_user + 1) >= COPY_MIN_ROWS

    def done(what: str, started: float, rows: int | None = None) -> None:
        seconds = time.monotonic() - started
        phases.append((what, round(seconds, 2)))
        if big:
            counted = f"{rows:,} rows " if rows is not None else ""
            say(f"  seed {what}: {counted}in {seconds:.1f}s ({writer.method})")

    try:
        started = time.monotonic()
        rows = await writer.write(
            users, USER_COLUMNS, _user_rows(rng, users_count, first.avatar_key, now)
        )
        done("users", started, rows)
        async with engine.connect() as db:
            found = await db.execute(
                select(users.c.id).where(users.c.id != first.id).order_by(users.c.id)
            )
            bulk_users = [int(row.id) for row in found]
        granted = scopes.format_list(GRANTED)
        started = time.monotonic()
        rows = await writer.write(
            authorizations,
            AUTH_COLUMNS,
            ((u, app_id, _uuid(rng), granted, now, None) for u in bulk_users),
        )
        done("authorizations", started, rows)
        started = time.monotonic()
        rows = await writer.write(
            union_ids, UNION_COLUMNS, ((u, developer.id, _uuid(rng)) for u in bulk_users)
        )
        done("union_ids", started, rows)
        async with engine.connect() as db:
            found = await db.execute(
                select(authorizations.c.id, authorizations.c.user_id)
                .where(authorizations.c.app_id == app_id)
                .order_by(authorizations.c.id)
            )
            auth_rows = [(int(r.id), int(r.user_id)) for r in found]
        bulk_auths = [(a, u) for a, u in auth_rows if u != first.id]  # tokstack issued its pair
        access = [issued["access_token"]]
        refresh = [issued["refresh_token"]]
        plan = _plan(rng, len(bulk_auths), tokens_per_user, real_tokens)
        started = time.monotonic()
        token_rows: Iterable[Row] = _token_rows(
            rng,
            settings,
            hasher.digest,
            plan,
            bulk_auths,
            app_id=app_id,
            now=now,
            access_ttl=policy.access_ttl,
            refresh_ttl=policy.refresh_ttl,
            access=access,
            refresh=refresh,
        )
        rows = await writer.write(tokens, TOKEN_COLUMNS, token_rows)
        done("tokens", started, rows)
        if copy:
            started = time.monotonic()
            await asyncio.to_thread(vacuum_analyze, libpq_url(settings))
            done("vacuum-analyze", started)
        stored = rows + 2
    finally:
        await engine.dispose()
    return Seeded(
        app_id=app_id,
        developer_id=developer.id,
        warm_token=issued["access_token"],
        video_token=video_token["access_token"],
        access_tokens=access,
        refresh_tokens=refresh,
        authorization_ids=[a for a, _ in auth_rows],
        user_ids=[u for _, u in auth_rows],
        token_rows=stored,
        method=writer.method,
        phases=tuple(phases),
    )


async def mint_codes(settings: Settings, seeded: Seeded, count: int) -> list[str]:
    """``count`` fresh authorization codes, stored where and as ``tokstack.oauth.codes.issue``
    stores them: in whatever ephemeral store the container wires (Redis when configured)."""
    container = build(settings)
    ctx = container.ctx
    now, ttl = ctx.clock.now(), ctx.policy.code_ttl
    pairs = list(zip(seeded.authorization_ids, seeded.user_ids, strict=True))
    entries: list[tuple[str, str, str]] = []
    for n in range(count):
        auth_id, user_id = pairs[n % len(pairs)]
        code = ids.auth_code()
        grant = CodeGrant(
            app_id=seeded.app_id,
            user_id=user_id,
            authorization_id=auth_id,
            redirect_uri=REDIRECT_URI,
            scopes=GRANTED,
            code_challenge=None,
            expires_at=now + ttl,
        )
        entries.append(
            (code, f"code:{ctx.hasher.digest(code)}", orjson.dumps(asdict(grant)).decode())
        )
    try:
        if isinstance(ctx.ephemeral, SqlEphemeral):
            # One bulk insert instead of a durable commit per code (SQLite: an fsync each).
            rows = [(k, v, now + ttl) for _, k, v in entries]
            writer = _InsertWriter(ctx.ephemeral.engine)
            await writer.write(ephemeral, ("key", "value", "expires_at"), rows)
        else:
            for start in range(0, len(entries), PUT_CONCURRENCY):
                batch = entries[start : start + PUT_CONCURRENCY]
                await asyncio.gather(*(ctx.ephemeral.put(k, v, ttl) for _, k, v in batch))
    finally:
        await container.close()
    return [code for code, _, _ in entries]
