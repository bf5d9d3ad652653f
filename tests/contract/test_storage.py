"""One storage contract, run unchanged against every backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tokstack.domain.models import Renewal, Renewed, TokenRecord
from tokstack.errors import Conflict, NotFound
from tokstack.storage.sql import migrate
from tokstack.storage.sql.engine import async_engine
from tokstack.storage.sql.repos import SqlStore
from tokstack.storage.sql.tables import metadata

NOW = 1_767_225_600


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'contract.db'}"
        migrate.upgrade(url)
    else:
        url = request.getfixturevalue("postgres_url")
    built = SqlStore(async_engine(url, pool_size=2, timeout=5))
    yield built
    if request.param == "postgres":
        names = ", ".join(t.name for t in metadata.sorted_tables)
        async with built.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await built.close()


async def seed(store: SqlStore) -> tuple[int, int, int, int]:
    """developer, app, user, authorization ids."""
    async with store.unit() as unit:
        dev = await unit.developers.add("Dev", NOW)
        app = await unit.apps.add(
            developer_id=dev.id,
            client_key="awkey",
            client_secret_hash="h" * 64,
            name="A",
            platform="web",
            redirect_uris=("https://a/cb", "https://b/cb"),
            scopes=("user.info.basic", "user.info.profile"),
            webhook_url=None,
            now=NOW,
        )
        user = await unit.users.add(
            username="alice",
            display_name="Alice",
            password_hash=None,
            bio_description="",
            is_verified=False,
            now=NOW,
        )
        authz = await unit.authorizations.ensure(user.id, app.id, "open-1", NOW)
        await unit.authorizations.ensure_union_id(user.id, dev.id, "union-1")
        await unit.authorizations.grant(authz.id, ("user.info.basic",), NOW)
    return dev.id, app.id, user.id, authz.id


def token(
    digest: str, app_id: int, authz: int | None, grant: str = "g1", kind: str = "access"
) -> TokenRecord:
    return TokenRecord(
        digest=digest,
        kind=kind,
        app_id=app_id,
        authorization_id=authz,
        grant_id=grant,
        scopes=("user.info.basic",),
        issued_at=NOW,
        expires_at=NOW + 60,
    )


async def test_apps_round_trip(store: SqlStore) -> None:
    dev, app_id, _, _ = await seed(store)
    async with store.unit() as unit:
        app = await unit.apps.by_client_key("awkey")
        assert app is not None and app.id == app_id and app.developer_id == dev
        assert app.redirect_uris == ("https://a/cb", "https://b/cb")
        assert app.scopes == ("user.info.basic", "user.info.profile")
        await unit.apps.update(app_id, client_secret_hash="n" * 64)
    async with store.unit() as unit:
        again = await unit.apps.get(app_id)
        assert again is not None and again.client_secret_hash == "n" * 64
        assert await unit.apps.by_client_key("nope") is None


async def test_unique_client_key_and_username(store: SqlStore) -> None:
    dev, _, _, _ = await seed(store)
    with pytest.raises(Conflict):
        async with store.unit() as unit:
            await unit.apps.add(
                developer_id=dev,
                client_key="awkey",
                client_secret_hash="x",
                name="B",
                platform="web",
                redirect_uris=(),
                scopes=(),
                webhook_url=None,
                now=NOW,
            )
    with pytest.raises(Conflict):
        async with store.unit() as unit:
            await unit.users.add(
                username="alice",
                display_name="A2",
                password_hash=None,
                bio_description="",
                is_verified=False,
                now=NOW,
            )


async def test_users_update(store: SqlStore) -> None:
    _, _, user_id, _ = await seed(store)
    async with store.unit() as unit:
        updated = await unit.users.update(user_id, is_verified=True, follower_count=5)
        assert updated.is_verified is True and updated.follower_count == 5
        with pytest.raises(ValueError):
            await unit.users.update(user_id, nonsense=1)
        with pytest.raises(NotFound):
            await unit.users.update(999_999, display_name="x")


async def test_failed_unit_writes_nothing(store: SqlStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit() as unit:
            await unit.developers.add("Ghost", NOW)
            raise RuntimeError("boom")
    async with store.unit() as unit:
        assert await unit.developers.get(1) is None


async def test_authorization_is_one_per_user_and_app(store: SqlStore) -> None:
    _, app_id, user_id, authz_id = await seed(store)
    async with store.unit() as unit:
        again = await unit.authorizations.ensure(user_id, app_id, "open-2", NOW)
        assert again.id == authz_id and again.open_id == "open-1"
        assert again.scopes == ("user.info.basic",)
        assert await unit.authorizations.ensure_union_id(user_id, 1, "union-2") == "union-1"


async def test_revoking_an_authorization_revokes_its_tokens(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("a" * 64, app_id, authz_id))
        await unit.tokens.add(token("b" * 64, app_id, authz_id, kind="refresh"))
        assert await unit.authorizations.revoke(authz_id, NOW + 1)
        assert not await unit.authorizations.revoke(authz_id, NOW + 2)
    async with store.unit() as unit:
        for digest in ("a" * 64, "b" * 64):
            record = await unit.tokens.get(digest)
            assert record is not None and record.revoked_at == NOW + 1
        authz = await unit.authorizations.get(authz_id)
        assert authz is not None and authz.scopes == () and authz.revoked_at == NOW + 1


async def test_token_revocation_by_grant_and_rotation(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("a" * 64, app_id, authz_id, grant="g1"))
        await unit.tokens.add(token("b" * 64, app_id, authz_id, grant="g1", kind="refresh"))
        await unit.tokens.add(token("c" * 64, app_id, authz_id, grant="g2"))
        assert await unit.tokens.revoke_grant("g1", NOW) == 2
        assert await unit.tokens.revoke_grant("g1", NOW) == 0
        assert await unit.tokens.rotate("c" * 64, NOW)
        assert not await unit.tokens.rotate("c" * 64, NOW)
        await unit.tokens.revoke("c" * 64, NOW + 5)
    async with store.unit() as unit:
        c = await unit.tokens.get("c" * 64)
        assert c is not None and c.rotated_at == NOW and c.revoked_at == NOW + 5
        assert await unit.tokens.get("d" * 64) is None


async def test_access_context_joins_everything(store: SqlStore) -> None:
    _, app_id, user_id, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("a" * 64, app_id, authz_id))
    access = await store.access_context("a" * 64)
    assert access is not None
    assert access.open_id == "open-1" and access.union_id == "union-1"
    assert access.user.id == user_id and access.user.username == "alice"
    assert access.app_platform == "web"
    assert access.token.scopes == ("user.info.basic",)
    assert await store.access_context("z" * 64) is None


async def test_client_tokens_have_no_user_context(store: SqlStore) -> None:
    _, app_id, _, _ = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("c" * 64, app_id, None, grant="", kind="client"))
        assert (await unit.tokens.get("c" * 64)) is not None
    assert await store.access_context("c" * 64) is None


async def test_ping(store: SqlStore) -> None:
    await store.ping()


async def test_mint_stores_tokens_for_an_active_authorization(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    pair = [token("a" * 64, app_id, authz_id), token("b" * 64, app_id, authz_id, kind="refresh")]
    assert await store.mint(authz_id, pair) == "open-1"
    async with store.read() as unit:
        stored = await unit.tokens.get("b" * 64)
    assert stored == pair[1]
    async with store.unit() as unit:
        await unit.authorizations.revoke(authz_id, NOW)
    assert await store.mint(authz_id, [token("c" * 64, app_id, authz_id)]) is None
    assert await store.mint(authz_id + 99, [token("d" * 64, app_id, authz_id)]) is None
    async with store.read() as unit:
        assert await unit.tokens.get("c" * 64) is None
        assert await unit.tokens.get("d" * 64) is None


def renewal(access: str, refresh: str | None) -> Renewal:
    return Renewal(
        access_digest=access, access_expires_at=NOW + 90, refresh_digest=refresh, grant_id="new"
    )


async def test_renew_rotating_spends_the_refresh_token_once(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("r" * 64, app_id, authz_id, grant="g1", kind="refresh"))
    renewed = await store.renew("r" * 64, app_id, NOW + 7, renewal("a" * 64, "b" * 64))
    assert renewed == Renewed("open-1", ("user.info.basic",), NOW + 60)
    assert await store.renew("r" * 64, app_id, NOW + 8, renewal("c" * 64, "d" * 64)) is None
    async with store.read() as unit:
        spent = await unit.tokens.get("r" * 64)
        access = await unit.tokens.get("a" * 64)
        refresh = await unit.tokens.get("b" * 64)
        assert await unit.tokens.get("c" * 64) is None
    assert spent is not None and spent.rotated_at == NOW + 7
    assert access == TokenRecord(
        digest="a" * 64,
        kind="access",
        app_id=app_id,
        authorization_id=authz_id,
        grant_id="g1",
        scopes=("user.info.basic",),
        issued_at=NOW + 7,
        expires_at=NOW + 90,
    )
    assert refresh is not None and refresh.kind == "refresh"
    assert refresh.expires_at == NOW + 60 and refresh.grant_id == "g1"


async def test_renew_keeping_the_refresh_token(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("r" * 64, app_id, authz_id, grant="", kind="refresh"))
    assert await store.renew("r" * 64, app_id, NOW, renewal("a" * 64, None))
    assert await store.renew("r" * 64, app_id, NOW, renewal("b" * 64, None))
    async with store.read() as unit:
        kept = await unit.tokens.get("r" * 64)
        second = await unit.tokens.get("b" * 64)
    assert kept is not None and kept.rotated_at is None
    assert second is not None and second.grant_id == "new"  # none stored: the fresh one


async def test_renew_refuses_every_unspendable_refresh_token(store: SqlStore) -> None:
    _, app_id, _, authz_id = await seed(store)
    async with store.unit() as unit:
        await unit.tokens.add(token("r" * 64, app_id, authz_id, kind="refresh"))
        await unit.tokens.add(token("x" * 64, app_id, authz_id, kind="access"))
        await unit.tokens.add(token("v" * 64, app_id, authz_id, kind="refresh"))
        await unit.tokens.revoke("v" * 64, NOW)
    fresh = renewal("a" * 64, "b" * 64)
    assert await store.renew("x" * 64, app_id, NOW, fresh) is None  # not a refresh token
    assert await store.renew("v" * 64, app_id, NOW, fresh) is None  # revoked
    assert await store.renew("r" * 64, app_id + 1, NOW, fresh) is None  # another app's
    assert await store.renew("r" * 64, app_id, NOW + 60, fresh) is None  # expired
    assert await store.renew("z" * 64, app_id, NOW, fresh) is None  # unknown
    async with store.unit() as unit:
        await unit.authorizations.revoke(authz_id, NOW)
    assert await store.renew("r" * 64, app_id, NOW, fresh) is None  # authorization revoked
    async with store.read() as unit:
        assert await unit.tokens.get("a" * 64) is None
        untouched = await unit.tokens.get("r" * 64)
    assert untouched is not None and untouched.rotated_at is None


async def test_concurrent_units_commit_and_fail_independently(store: SqlStore) -> None:
    """Many units at once (SQLite commits them in groups): each failed one writes nothing."""
    _, app_id, _, authz_id = await seed(store)

    async def add(n: int) -> None:
        async with store.unit() as unit:
            await unit.tokens.add(token(f"{n:064d}", app_id, authz_id))
            if n % 3 == 0:
                raise ValueError(n)

    results = await asyncio.gather(*(add(n) for n in range(60)), return_exceptions=True)
    failed = {r.args[0] for r in results if isinstance(r, ValueError)}
    assert failed == {n for n in range(60) if n % 3 == 0}
    assert all(r is None for r in results if not isinstance(r, ValueError))
    async with store.read() as unit:
        for n in range(60):
            stored = await unit.tokens.get(f"{n:064d}")
            assert (stored is None) == (n in failed), n
