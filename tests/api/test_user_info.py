"""GET /v2/user/info/ over HTTP, as an integrator's client sees it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import World
from tokstack.clock import FrozenClock
from tokstack.domain.scopes import FIELD_SCOPES
from tokstack.services.context import Context

ALL_SCOPES = "user.info.basic,user.info.profile,user.info.stats"
LOG_ID = re.compile(r"^\d{14}[0-9A-F]{20}$")


async def info(
    client: httpx.AsyncClient, token: str | None, fields: str | None, **params: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    query = dict(params)
    if fields is not None:
        query["fields"] = fields
    return await client.get("/v2/user/info/", params=query, headers=headers)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] == {}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert LOG_ID.match(body["error"]["log_id"])
    assert response.headers["x-tt-logid"] == body["error"]["log_id"]
    return body


@pytest.fixture
async def alice(world: World) -> dict[str, Any]:
    dev = await world.developer()
    app = await world.app(dev, ALL_SCOPES)
    await world.user("alice", display_name="Alice Example", bio="hello", verified=True)
    token = await world.token(app.app.client_key, "alice", ALL_SCOPES)
    return {"app": app, "token": token}


async def test_seed_example_shape(client: httpx.AsyncClient, alice: dict[str, Any]) -> None:
    response = await info(client, alice["token"]["access_token"], "open_id,union_id,avatar_url")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["data", "error"]
    user = body["data"]["user"]
    assert set(user) == {"open_id", "union_id", "avatar_url"}
    assert user["open_id"] == alice["token"]["open_id"]
    assert re.match(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", user["union_id"]
    )
    assert re.search(
        r"/[0-9a-f]{32}~c5_168x168\.jpeg\?x-expires=\d+&x-signature=", user["avatar_url"]
    )
    assert body["error"]["code"] == "ok" and body["error"]["message"] == ""
    assert LOG_ID.match(body["error"]["log_id"])
    assert response.headers["x-tt-logid"] == body["error"]["log_id"]


async def test_every_field_has_the_right_type_and_value(
    client: httpx.AsyncClient, alice: dict[str, Any], ctx: Context
) -> None:
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username("alice")
        assert user is not None
        await unit.users.update(
            user.id, follower_count=7, following_count=8, likes_count=9, video_count=10
        )
    response = await info(client, alice["token"]["access_token"], ",".join(FIELD_SCOPES))
    assert response.status_code == 200
    user_json = response.json()["data"]["user"]
    assert set(user_json) == set(FIELD_SCOPES)
    assert user_json["display_name"] == "Alice Example"
    assert user_json["bio_description"] == "hello"
    assert user_json["is_verified"] is True
    assert user_json["username"] == "alice"
    assert (
        user_json["follower_count"],
        user_json["following_count"],
        user_json["likes_count"],
        user_json["video_count"],
    ) == (7, 8, 9, 10)
    assert "~c5_100x100.jpeg" in user_json["avatar_url_100"]
    assert "~c5_1080x1080.jpeg" in user_json["avatar_large_url"]
    assert user_json["profile_web_link"].endswith("/@alice")


async def grant_exactly(
    world: World, client_key: str, username: str, granted: list[str]
) -> dict[str, Any]:
    """A pair for exactly ``granted`` (``token issue`` and consent always add basic)."""
    from tokstack import ids
    from tokstack.oauth.issuer import authorize, mint_pair
    from tokstack.services.accounts import require_app, require_user

    async with world.ctx.store.unit() as unit:
        app = await require_app(unit, client_key)
        user = await require_user(unit, username)
        authorization = await authorize(world.ctx, unit, user, app, granted)
        return await mint_pair(world.ctx, unit, authorization, authorization.scopes, ids.grant_id())


@pytest.mark.parametrize("field", sorted(FIELD_SCOPES))
async def test_each_field_needs_its_scope(
    client: httpx.AsyncClient, world: World, field: str
) -> None:
    dev = await world.developer()
    app = await world.app(dev, ALL_SCOPES)
    await world.user("alice")
    scope = FIELD_SCOPES[field]
    granted = await world.token(app.app.client_key, "alice", f"user.info.basic,{scope}")
    ok = await info(client, granted["access_token"], field)
    assert ok.status_code == 200
    assert list(ok.json()["data"]["user"]) == [field]

    others = sorted({"user.info.basic", "user.info.profile", "user.info.stats"} - {scope})
    without = await grant_exactly(world, app.app.client_key, "alice", others)
    # (without user.info.basic the endpoint refuses whatever the fields)
    assert_error(await info(client, without["access_token"], field), 401, "scope_not_authorized")
    assert_error(
        await info(client, without["access_token"], f"display_name,{field}"),
        401,
        "scope_not_authorized",
    )


async def test_open_id_scope_alone_does_not_satisfy_user_info(
    client: httpx.AsyncClient, world: World
) -> None:
    dev = await world.developer()
    mini = await world.app(dev, "user.info.open_id", platform="mini", redirect_uris=[])
    await world.user("alice")
    # user.info.basic is auto-added to apps; grant open_id alone as a silent login would
    token = await world.token(mini.app.client_key, "alice", "user.info.open_id")
    assert token["scope"] == "user.info.open_id"
    assert_error(await info(client, token["access_token"], "open_id"), 401, "scope_not_authorized")


@pytest.mark.parametrize(
    "fields",
    [
        "open_id,display_name",
        "display_name,open_id",
        "open_id%2Cdisplay_name",
        "open_id,,open_id,display_name,",
        " open_id , display_name",
        "open_id,display_name,nope",
    ],
)
async def test_fields_list_is_liberal(
    client: httpx.AsyncClient, alice: dict[str, Any], fields: str
) -> None:
    token = alice["token"]["access_token"]
    response = await client.get(
        f"/v2/user/info/?fields={fields}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert sorted(response.json()["data"]["user"]) == ["display_name", "open_id"]


async def test_only_unknown_fields_gives_an_empty_user(
    client: httpx.AsyncClient, alice: dict[str, Any]
) -> None:
    response = await info(client, alice["token"]["access_token"], "avatar_url_200")
    assert response.status_code == 200
    assert response.json()["data"] == {"user": {}}


@pytest.mark.parametrize("fields", [None, "", "   "])
async def test_missing_fields_is_invalid_params(
    client: httpx.AsyncClient, alice: dict[str, Any], fields: str | None
) -> None:
    assert_error(await info(client, alice["token"]["access_token"], fields), 400, "invalid_params")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "act.no-scheme",
        "Bearer act.ThisTokenDoesNotExist0000000000000000000000000000000000000000!0000.va",
        "Bearer clt.x",
        "Bearer rft.x",
    ],
)
async def test_bad_authorization_is_access_token_invalid(
    client: httpx.AsyncClient, alice: dict[str, Any], header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await client.get("/v2/user/info/?fields=open_id", headers=headers)
    assert_error(response, 401, "access_token_invalid")


async def test_bearer_scheme_is_case_insensitive(
    client: httpx.AsyncClient, alice: dict[str, Any]
) -> None:
    token = alice["token"]["access_token"]
    response = await client.get(
        "/v2/user/info/?fields=open_id", headers={"Authorization": f"bearer {token}"}
    )
    assert response.status_code == 200


async def test_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, alice: dict[str, Any]
) -> None:
    refresh = alice["token"]["refresh_token"]
    assert_error(await info(client, refresh, "open_id"), 401, "access_token_invalid")


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, alice: dict[str, Any], clock: FrozenClock
) -> None:
    token = alice["token"]["access_token"]
    clock.advance(alice["token"]["expires_in"] - 1)
    assert (await info(client, token, "open_id")).status_code == 200
    clock.advance(1)
    assert_error(await info(client, token, "open_id"), 401, "access_token_invalid")


async def test_revoked_authorization_is_refused(
    client: httpx.AsyncClient, alice: dict[str, Any], ctx: Context
) -> None:
    token = alice["token"]["access_token"]
    async with ctx.store.unit() as unit:
        authz = await unit.authorizations.ensure(1, alice["app"].app.id, "unused", 0)
        assert await unit.authorizations.revoke(authz.id, ctx.clock.now())
    assert_error(await info(client, token, "open_id"), 401, "access_token_invalid")


async def test_banned_user_token_is_refused(
    client: httpx.AsyncClient, alice: dict[str, Any], ctx: Context
) -> None:
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username("alice")
        assert user is not None
        await unit.users.update(user.id, status="banned")
    assert_error(
        await info(client, alice["token"]["access_token"], "open_id"), 401, "access_token_invalid"
    )


async def test_open_id_per_app_union_id_per_developer(
    client: httpx.AsyncClient, world: World
) -> None:
    dev_a, dev_b = await world.developer("A"), await world.developer("B")
    app_a1 = await world.app(dev_a, name="A1")
    app_a2 = await world.app(dev_a, name="A2")
    app_b1 = await world.app(dev_b, name="B1")
    await world.user("alice")
    seen = {}
    for name, app in (("a1", app_a1), ("a2", app_a2), ("b1", app_b1)):
        token = await world.token(app.app.client_key, "alice", "user.info.basic")
        response = await info(client, token["access_token"], "open_id,union_id")
        seen[name] = response.json()["data"]["user"]
    assert len({seen[n]["open_id"] for n in seen}) == 3
    assert seen["a1"]["union_id"] == seen["a2"]["union_id"]
    assert seen["a1"]["union_id"] != seen["b1"]["union_id"]
    # open_id is stable: a second token for the same user x app sees the same one
    again = await world.token(app_a1.app.client_key, "alice", "user.info.basic")
    assert again["open_id"] == seen["a1"]["open_id"]


async def test_token_of_app_a_reads_only_as_app_a(client: httpx.AsyncClient, world: World) -> None:
    dev = await world.developer()
    app_a = await world.app(dev, name="A")
    app_b = await world.app(dev, name="B")
    await world.user("alice")
    token_a = await world.token(app_a.app.client_key, "alice", "user.info.basic")
    token_b = await world.token(app_b.app.client_key, "alice", "user.info.basic")
    response = await info(
        client,
        token_a["access_token"],
        "open_id",
        client_key=app_b.app.client_key,
        open_id=token_b["open_id"],
    )
    assert response.json()["data"]["user"]["open_id"] == token_a["open_id"]
    assert token_a["open_id"] != token_b["open_id"]


async def test_two_users_of_one_app_see_their_own_data(
    client: httpx.AsyncClient, world: World
) -> None:
    dev = await world.developer()
    app = await world.app(dev)
    await world.user("alice", display_name="Alice")
    await world.user("bob", display_name="Bob")
    for name, display in (("alice", "Alice"), ("bob", "Bob")):
        token = await world.token(app.app.client_key, name, "user.info.basic")
        response = await info(client, token["access_token"], "display_name")
        assert response.json()["data"]["user"]["display_name"] == display


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v2/user/info"), ("POST", "/v2/user/info/"), ("GET", "/v2/nope/")],
)
async def test_unknown_path_or_method_is_unsupported_path(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 404
    assert response.text == "Unsupported path(Janus)"


async def test_broken_storage_is_503_internal_error_without_detail(
    client: httpx.AsyncClient,
    alice: dict[str, Any],
    ctx: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy import text

    from tokstack.storage.sql.repos import SqlStore

    # break the storage underneath the running server
    assert isinstance(ctx.store, SqlStore)
    async with ctx.store.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE tokens RENAME TO tokens_gone"))
    response = await info(client, alice["token"]["access_token"], "open_id")
    body = assert_error(response, 503, "internal_error")
    assert "tokens" not in body["error"]["message"]
    assert "Traceback" not in response.text
    assert any(
        getattr(r, "log_id", None) == body["error"]["log_id"] for r in caplog.records
    ) or any(
        body["error"]["log_id"] in r.getMessage() or r.levelname == "ERROR" for r in caplog.records
    )


async def test_unexpected_failure_is_500_internal_error(
    client: httpx.AsyncClient,
    alice: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tokstack.services.user_info import UserInfo

    def explode(*_args: object) -> None:
        raise ValueError("secret detail that must not leak")

    monkeypatch.setattr(UserInfo, "render", explode)
    response = await info(client, alice["token"]["access_token"], "open_id")
    body = assert_error(response, 500, "internal_error")
    assert "secret detail" not in response.text
    logged = [r for r in caplog.records if getattr(r, "log_id", None) == body["error"]["log_id"]]
    assert logged and logged[0].exc_info is not None
