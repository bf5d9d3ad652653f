"""Emulator faults through the control API, seen by a client as TikTok's own answers."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jsonschema
import pytest

from tests.api.oauth_helpers import query_of
from tokstack.services.faults import ConnectionDropped

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
CALLBACK = "https://app.example.com/auth/tiktok/callback/"
INFO = "/v2/user/info/?fields=open_id"


@pytest.fixture
def world(emu: httpx.AsyncClient, alice_tokens: dict[str, Any]) -> dict[str, Any]:
    return {"client": emu, "tokens": alice_tokens}


async def add(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    response = await client.post("/_tokstack/faults", json=rule)
    assert response.status_code == 201, response.text
    return dict(response.json())


def refresh_form(refresh_token: str) -> dict[str, str]:
    return {
        "client_key": KEY,
        "client_secret": SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }


async def test_the_next_refresh_of_an_app_fails_with_invalid_grant(world: dict[str, Any]) -> None:
    client, refresh = world["client"], world["tokens"]["refresh_token"]
    rule = await add(
        client,
        endpoint="token",
        client_key=KEY,
        grant_type="refresh_token",
        error="invalid_grant",
        times=1,
    )
    failed = await client.post("/v2/oauth/token/", data=refresh_form(refresh))
    assert failed.status_code == 400
    body = failed.json()
    assert body["error"] == "invalid_grant" and body["log_id"]
    assert body["error_description"] == (
        "Authorization code or refresh token is expired or invalid."
    )
    assert failed.headers["x-tt-logid"] == body["log_id"]
    assert (await client.post("/v2/oauth/token/", data=refresh_form(refresh))).status_code == 200
    listed = (await client.get("/_tokstack/faults")).json()["faults"]
    assert [(f["id"], f["hits"]) for f in listed] == [(rule["id"], 1)]


async def test_user_info_answers_429_with_retry_after_twice(world: dict[str, Any]) -> None:
    client, access = world["client"], world["tokens"]["access_token"]
    await add(client, endpoint="user.info", error="rate_limit_exceeded", retry_after=3, times=2)
    bearer = {"Authorization": f"Bearer {access}"}
    for _ in range(2):
        limited = await client.get(INFO, headers=bearer)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
        error = limited.json()["error"]
        assert error["code"] == "rate_limit_exceeded" and error["log_id"]
        assert limited.json()["data"] == {}
    assert (await client.get(INFO, headers=bearer)).status_code == 200


async def test_rules_match_only_their_app_user_and_grant(world: dict[str, Any]) -> None:
    client, tokens = world["client"], world["tokens"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    await add(client, endpoint="user.info", client_key="awdemodesktop002", error="internal_error")
    await add(client, endpoint="user.info", open_id="someone-else", error="internal_error")
    await add(client, endpoint="token", grant_type="client_credentials", error="server_error")
    assert (await client.get(INFO, headers=bearer)).status_code == 200
    refreshed = await client.post("/v2/oauth/token/", data=refresh_form(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    mine = await add(client, endpoint="user.info", client_key=KEY, open_id=tokens["open_id"],
                     error="internal_error", status=503, message="down for a test")  # fmt: skip
    answer = await client.get(INFO, headers=bearer)
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == "down for a test"
    removed = await client.delete(f"/_tokstack/faults/{mine['id']}")
    assert removed.status_code == 200
    assert (await client.get(INFO, headers=bearer)).status_code == 200


async def test_authorize_redirects_with_access_denied(world: dict[str, Any]) -> None:
    client = world["client"]
    await add(client, endpoint="authorize", client_key=KEY, error="access_denied")
    response = await client.get(
        "/v2/auth/authorize/",
        params={
            "client_key": KEY,
            "response_type": "code",
            "scope": "user.info.basic",
            "redirect_uri": CALLBACK,
            "state": "s-1",
        },
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    query = query_of(location)
    assert query["error"] == "access_denied" and query["state"] == "s-1"
    assert query["error_description"]


async def test_latency_is_added_before_the_answer(world: dict[str, Any]) -> None:
    client = world["client"]
    await add(client, endpoint="token", latency_ms=300)
    started = time.perf_counter()
    answer = await client.post(
        "/v2/oauth/token/",
        data={"client_key": KEY, "client_secret": SECRET, "grant_type": "client_credentials"},
    )
    assert answer.status_code == 200
    assert time.perf_counter() - started >= 0.3


async def test_probability_with_a_seed_repeats(world: dict[str, Any]) -> None:
    client = world["client"]
    bearer = {"Authorization": f"Bearer {world['tokens']['access_token']}"}
    runs = []
    for _ in range(2):
        await client.delete("/_tokstack/faults")
        await add(client, endpoint="user.info", error="internal_error", probability=0.3, seed=7)
        statuses = [(await client.get(INFO, headers=bearer)).status_code for _ in range(40)]
        runs.append(statuses)
    assert runs[0] == runs[1]
    assert 0 < runs[0].count(500) < 40 and set(runs[0]) == {200, 500}


async def test_a_drop_closes_without_an_answer(world: dict[str, Any]) -> None:
    client = world["client"]
    await add(client, endpoint="revoke", drop=True, times=1)
    with pytest.raises(ConnectionDropped):  # in process there is no socket: the client sees it
        await client.post("/v2/oauth/revoke/", data={"client_key": KEY, "client_secret": SECRET})
    answer = await client.post(
        "/v2/oauth/revoke/", data={"client_key": KEY, "client_secret": SECRET, "token": "x"}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"endpoint": "nope", "error": "x"}, "endpoint"),
        ({"endpoint": "token", "error": "access_token_invalid"}, "error"),
        ({"endpoint": "user.info"}, "effect"),
        ({"endpoint": "token", "latency_ms": -1}, "latency_ms"),
        ({"endpoint": "token", "error": "invalid_grant", "times": 1, "probability": 0.5}, "times"),
        ({"endpoint": "user.info", "grant_type": "refresh_token", "latency_ms": 1}, "grant_type"),
        ({"endpoint": "token", "drop": True, "error": "invalid_grant"}, "drop"),
        ({"endpoint": "token", "error": "invalid_grant", "colour": "red"}, "colour"),
        ([1, 2], "object"),
    ],
)
async def test_bad_rules_are_400_naming_the_field(
    world: dict[str, Any], rule: Any, complaint: str
) -> None:
    response = await world["client"].post("/_tokstack/faults", json=rule)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and complaint in error["message"]


async def test_control_answers_match_the_openapi_document(world: dict[str, Any]) -> None:
    client = world["client"]
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]

    def check(path: str, method: str, response: httpx.Response) -> None:
        declared = paths[path][method]["responses"][str(response.status_code)]
        schema = declared["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**schema, "components": spec["components"]})

    rule = {"endpoint": "token", "error": "invalid_grant", "times": 2}
    jsonschema.validate(rule, paths["/_tokstack/faults"]["post"]["requestBody"]["content"][
        "application/json"]["schema"])  # fmt: skip
    check("/_tokstack/faults", "post", await client.post("/_tokstack/faults", json=rule))
    check("/_tokstack/faults", "post", await client.post("/_tokstack/faults", json={}))
    check("/_tokstack/faults", "get", await client.get("/_tokstack/faults"))
    check("/_tokstack/faults/{fault_id}", "delete", await client.delete("/_tokstack/faults/x"))
    check("/_tokstack/faults", "delete", await client.delete("/_tokstack/faults"))


async def test_not_json_and_unknown_ids(world: dict[str, Any]) -> None:
    client = world["client"]
    bad = await client.post("/_tokstack/faults", content=b"{not json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    gone = await client.delete("/_tokstack/faults/flt_unknown")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_no_control_api_outside_emulator_mode(client: httpx.AsyncClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = await client.request(method, "/_tokstack/faults")
        assert response.status_code == 404
        assert response.text == "Unsupported path(Janus)"
