"""The served OpenAPI document describes what the implementation actually does."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from starlette.routing import Route

from tests.conftest import World
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


def test_every_v2_route_is_documented(spec: dict[str, Any]) -> None:
    # the login and consent pages are steps inside authorize, not endpoints of TikTok's API
    internal = {"/v2/auth/login/", "/v2/auth/consent/"}
    served = {
        r.path if r.path.endswith("/") else r.path + "/"
        for r in routes()
        if isinstance(r, Route) and r.path.startswith("/v2/") and r.path not in internal
    }
    assert served == set(spec["paths"])


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
