"""Seed data: the app and one user through tokstack's services, the bulk through SQL inserts.

Bulk rows are written the way the repositories write them (tokens only as HMAC digests), so
the server cannot tell them from tokens it minted itself.
"""

from __future__ import annotations

import asyncio
import random
import string
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tokstack import ids
from tokstack.config import Settings
from tokstack.domain import scopes
from tokstack.oauth.codes import CodeGrant
from tokstack.services import accounts
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.ephemeral import SqlEphemeral
from tokstack.storage.sql.tables import authorizations, ephemeral, tokens, union_ids, users
from tokstack.web.container import build

CLIENT_KEY = "awbenchwebapp001"
CLIENT_SECRET = "benchSecretWebApp000000000000001"  # noqa: S105 - a published bench fixture
REDIRECT_URI = "https://bench.example/auth/callback/"
GRANTED = (scopes.BASIC, scopes.PROFILE, scopes.STATS)
CHUNK = 5000
PUT_CONCURRENCY = 32  # within the Redis client's connection pool
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Seeded:
    app_id: int
    developer_id: int
    warm_token: str  # issued by tokstack itself (``issue_for_user``)
    access_tokens: list[str]
    refresh_tokens: list[str]
    authorization_ids: list[int]
    user_ids: list[int]


def _token(rng: random.Random, prefix: str, region: str) -> str:
    """The shape of ``tokstack.ids.token``, from a fast non-secret generator."""
    body = "".join(rng.choices(_ALNUM, k=60))
    return f"{prefix}.{body}!{rng.randrange(10_000):04d}.{region}"


def _engine(settings: Settings) -> AsyncEngine:
    return async_engine(settings.resolved_database_url, pool_size=2, timeout=30)


async def _insert(engine: AsyncEngine, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with engine.begin() as db:
            await db.execute(insert(table), list(rows[start : start + CHUNK]))


async def seed(settings: Settings, *, users_count: int, tokens_per_user: int) -> Seeded:
    """``users_count`` users, each authorized for one web app with ``tokens_per_user`` access
    tokens and one refresh token."""
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
            scope_list=list(GRANTED),
            client_key=CLIENT_KEY,
            client_secret=CLIENT_SECRET,
        )
        first = await accounts.create_user(
            ctx, username="bench000000", display_name="Bench User 000000", bio="benchmark"
        )
        issued = await issue_for_user(
            ctx, client_key=CLIENT_KEY, username=first.username, requested=list(GRANTED)
        )
    finally:
        await container.close()

    app_id, hasher, now, policy = new_app.app.id, ctx.hasher, ctx.clock.now(), ctx.policy
    rng = random.Random(users_count)
    engine = _engine(settings)
    try:
        await _insert(
            engine,
            users,
            [
                {
                    "username": f"bench{i:06d}",
                    "display_name": f"Bench User {i:06d}",
                    "password_hash": None,
                    "bio_description": "benchmark",
                    "is_verified": i % 7 == 0,
                    "follower_count": rng.randrange(100_000),
                    "following_count": rng.randrange(1_000),
                    "likes_count": rng.randrange(1_000_000),
                    "video_count": rng.randrange(500),
                    "avatar_key": first.avatar_key,  # one rendered avatar shared by everyone
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, users_count)
            ],
        )
        async with engine.connect() as db:
            found = await db.execute(select(users.c.id).where(users.c.id != first.id))
            bulk_users = sorted(int(row.id) for row in found)
        await _insert(
            engine,
            authorizations,
            [
                {
                    "user_id": user_id,
                    "app_id": app_id,
                    "open_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "scopes": scopes.format_list(GRANTED),
                    "granted_at": now,
                    "revoked_at": None,
                }
                for user_id in bulk_users
            ],
        )
        await _insert(
            engine,
            union_ids,
            [
                {
                    "user_id": user_id,
                    "developer_id": developer.id,
                    "union_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                }
                for user_id in bulk_users
            ],
        )
        async with engine.connect() as db:
            found = await db.execute(
                select(authorizations.c.id, authorizations.c.user_id).where(
                    authorizations.c.app_id == app_id
                )
            )
            auth_rows = sorted((int(r.id), int(r.user_id)) for r in found)
        access = [issued["access_token"]]
        refresh = [issued["refresh_token"]]
        rows: list[dict[str, Any]] = []
        for auth_id, user_id in auth_rows:
            if user_id == first.id:
                continue  # tokstack issued this one's pair above
            grant = f"{rng.getrandbits(128):032x}"
            pair = [("access", _token(rng, "act", settings.region)) for _ in range(tokens_per_user)]
            pair.append(("refresh", _token(rng, "rft", settings.region)))
            for kind, value in pair:
                (access if kind == "access" else refresh).append(value)
                ttl = policy.access_ttl if kind == "access" else policy.refresh_ttl
                rows.append(
                    {
                        "digest": hasher.digest(value),
                        "kind": kind,
                        "app_id": app_id,
                        "authorization_id": auth_id,
                        "grant_id": grant,
                        "scopes": scopes.format_list(GRANTED),
                        "issued_at": now,
                        "expires_at": now + ttl,
                        "revoked_at": None,
                        "rotated_at": None,
                    }
                )
        await _insert(engine, tokens, rows)
    finally:
        await engine.dispose()
    return Seeded(
        app_id=app_id,
        developer_id=developer.id,
        warm_token=issued["access_token"],
        access_tokens=access,
        refresh_tokens=refresh,
        authorization_ids=[a for a, _ in auth_rows],
        user_ids=[u for _, u in auth_rows],
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
            rows = [{"key": k, "value": v, "expires_at": now + ttl} for _, k, v in entries]
            await _insert(ctx.ephemeral.engine, ephemeral, rows)
        else:
            for start in range(0, len(entries), PUT_CONCURRENCY):
                batch = entries[start : start + PUT_CONCURRENCY]
                await asyncio.gather(*(ctx.ephemeral.put(k, v, ttl) for _, k, v in batch))
    finally:
        await container.close()
    return [code for code, _, _ in entries]
