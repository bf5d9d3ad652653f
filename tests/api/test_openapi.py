"""The served OpenAPI document describes what the implementation actually does."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.routing import Mount, Route

from tests.conftest import World
from tokstack.web import emulator_routes, inspector_routes
from tokstack.web.app import routes


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    assert document["openapi"].startswith("3.1")
    return document


def validator(spec: dict[str, Any], path: str, status: int) -> jsonschema.Draft202012Validator:
    response = spec["paths"][path]["get"]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    resolver_doc = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(resolver_doc)


def test_every_route_is_documented_with_every_method(spec: dict[str, Any]) -> None:
    every = routes() + emulator_routes.routes() + inspector_routes.routes()
    served = {re.sub(r":[a-z]+}", "}", r.path) for r in every if isinstance(r, Route)}
    served |= {f"{r.path}/{{name}}" for r in routes() if isinstance(r, Mount)}
    assert served == set(spec["paths"])
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    for path, item in spec["paths"].items():
        assert methods <= set(item), path


async def test_head_and_other_wrong_methods_get_the_gateway_404_uncounted(
    client: httpx.AsyncClient, world: World
) -> None:
    dev = await world.developer()
    app = await world.app(dev)
    await world.user("alice")
    pair = await world.token(app.app.client_key, "alice", "user.info.basic")
    async with world.ctx.store.unit() as unit:
        await unit.apps.update(app.app.id, rate_limit_per_minute=1)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    for method in ("HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"):
        answer = await client.request(method, "/v2/user/info/?fields=open_id", headers=headers)
        assert answer.status_code == 404
        if method != "HEAD":
            assert answer.text == "Unsupported path(Janus)"
    # none of them counted: the one request the app may make this minute still succeeds
    assert (await client.get("/v2/user/info/?fields=open_id", headers=headers)).status_code == 200
    for path in ("/", "/portal/login", "/v2/auth/authorize/"):
        assert (await client.head(path)).status_code == 404


async def test_responses_match_the_document(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World
) -> None:
    dev = await world.developer()
    app = await world.app(dev, "user.info.profile,user.info.stats")
    await world.user("alice")
    full = await world.token(
        app.app.client_key, "alice", "user.info.basic,user.info.profile,user.info.stats"
    )
    basic = await world.token(app.app.client_key, "alice", "user.info.basic")
    everything = ",".join(spec["components"]["schemas"]["User"]["properties"])
    cases = [
        (full["access_token"], everything, 200),
        (basic["access_token"], "username", 401),
        ("act.nope", "open_id", 401),
        (full["access_token"], "", 400),
    ]
    for token, fields, status in cases:
        response = await client.get(
            "/v2/user/info/",
            params={"fields": fields},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == status
        validator(spec, "/v2/user/info/", status).validate(response.json())
        if status == 200:
            assert set(response.json()["data"]["user"]) == set(
                spec["components"]["schemas"]["User"]["properties"]
            )
