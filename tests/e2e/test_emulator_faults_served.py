"""Faults on real servers: set through one worker or node, they fire on the others.

SQLite: one server with 2 workers (connections land on either). PostgreSQL + Redis: two
nodes sharing the database and Redis; rules are set on one and requests go to both. A rule
for the next N requests fires exactly N times in all, a drop is a connection error to the
client, and Authlib's OAuth client sees TikTok's error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from authlib.common.urls import add_params_to_qs
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from tests.e2e.nodes import emulator_cli, free_port

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
CLIENT = {"client_key": KEY, "client_secret": SECRET, "grant_type": "client_credentials"}


def issue_with_the_cli(servers: dict[str, Any]) -> dict[str, Any]:
    """``tokstack token issue`` on the servers' database (alice, demo web app)."""
    tokstack = Path(sys.executable).with_name("tokstack")
    issued = subprocess.run(
        [str(tokstack), "token", "issue", "--client-key", KEY, "--username", "alice",
         "--scopes", "user.info.basic", "--json"],
        env={**servers["env"], "PATH": str(tokstack.parent)},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return dict(json.loads(issued.stdout))


def add(url: str, **rule: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/_tokstack/faults", json=rule, timeout=10)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_next_n_fire_exactly_n_times_across_workers_and_nodes(
    servers: dict[str, Any],
) -> None:
    first, second = servers["urls"]
    rule = add(
        first, endpoint="token", grant_type="client_credentials", error="temporarily_unavailable",
        times=6,
    )  # fmt: skip
    statuses = []
    for n in range(10):  # a new connection each time: with 2 workers either may answer
        response = httpx.post(f"{(first, second)[n % 2]}/v2/oauth/token/", data=CLIENT, timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.json()["error"] == "temporarily_unavailable"
    assert statuses == [503] * 6 + [200] * 4
    listed = httpx.get(f"{second}/_tokstack/faults", timeout=10).json()["faults"]
    assert [(f["id"], f["hits"]) for f in listed] == [(rule["id"], 6)]
    cleared = httpx.delete(f"{second}/_tokstack/faults", timeout=10)
    assert cleared.json() == {"removed": 1}


def test_a_drop_is_a_connection_error_then_service_resumes(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    add(first, endpoint="token", drop=True, times=1)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{second}/v2/oauth/token/", data=CLIENT, timeout=10)
    assert httpx.post(f"{second}/v2/oauth/token/", data=CLIENT, timeout=10).status_code == 200


def test_authlib_sees_tiktoks_error_from_a_fault(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    token = issue_with_the_cli(servers)
    add(first, endpoint="token", client_key=KEY, grant_type="refresh_token", error="invalid_grant",
        times=1)  # fmt: skip

    def tiktok_auth(auth: Any, method: str, uri: str, headers: Any, body: str) -> Any:
        extra = [("client_key", auth.client_id), ("client_secret", auth.client_secret)]
        return uri, headers, add_params_to_qs(body or "", extra)

    with OAuth2Client(
        client_id=KEY, client_secret=SECRET, token_endpoint_auth_method="tiktok", token=token
    ) as session:
        session.register_client_auth_method(("tiktok", tiktok_auth))
        with pytest.raises(OAuthError) as refused:
            session.refresh_token(f"{second}/v2/oauth/token/", refresh_token=token["refresh_token"])
        assert refused.value.error == "invalid_grant"
        fresh = session.refresh_token(
            f"{second}/v2/oauth/token/", refresh_token=token["refresh_token"]
        )
        assert fresh["access_token"].startswith("act.")


def test_the_cli_drives_the_same_rules(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    added = emulator_cli(
        first, "fault", "add", "--endpoint", "token", "--grant-type", "client_credentials",
        "--error", "invalid_client", "--times", "1", "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    rule = json.loads(added.stdout)
    answer = httpx.post(f"{second}/v2/oauth/token/", data=CLIENT, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    listed = json.loads(emulator_cli(second, "fault", "list", "--json").stdout)
    assert [(r["id"], r["hits"]) for r in listed] == [(rule["id"], 1)]
    bad = emulator_cli(first, "fault", "add", "--endpoint", "token", "--error", "nope")
    assert bad.returncode == 1 and bad.stderr.startswith("error: 'error': token does not send")
    cleared = emulator_cli(second, "fault", "clear", rule["id"], "--json")
    assert json.loads(cleared.stdout) == {"removed": 1}
    gone = emulator_cli(second, "fault", "clear", rule["id"])
    assert gone.returncode == 1 and "No fault" in gone.stderr


def test_the_cli_says_when_no_server_answers() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    refused = emulator_cli(url, "fault", "list")
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: cannot reach tokstack at {url}")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_the_clock_moves_for_every_worker_node_and_the_cli(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    moved = emulator_cli(first, "clock", "advance", "172800", "--json")  # two days
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["offset"] >= 172_800
    for url in (first, second, first, second):  # both workers / nodes moved at once
        assert httpx.get(f"{url}/_tokstack/clock", timeout=10).json()["offset"] >= 172_800
    # the CLI issues on the server's time: a token issued now is valid there, for a day
    bearer = {"Authorization": f"Bearer {issue_with_the_cli(servers)['access_token']}"}
    info = "/v2/user/info/?fields=open_id"
    for url in (first, second):
        assert httpx.get(f"{url}{info}", headers=bearer, timeout=10).status_code == 200
    emulator_cli(second, "clock", "advance", "86401")
    for url in (first, second, first, second):
        assert httpx.get(f"{url}{info}", headers=bearer, timeout=10).status_code == 401
    back = emulator_cli(first, "clock", "reset", "--json")
    assert json.loads(back.stdout)["offset"] == 0
    shown = emulator_cli(second, "clock", "show")
    assert shown.stdout.startswith("now ") and "offset +0 s" in shown.stdout


def test_a_reset_through_one_node_is_seen_by_all(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    body = {"client_key": KEY, "username": "alice", "scopes": "user.info.basic"}
    issued = httpx.post(f"{first}/_tokstack/tokens", json=body, timeout=10).json()
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    info = "/v2/user/info/?fields=open_id"
    for url in (first, second):  # cached on both now
        assert httpx.get(f"{url}{info}", headers=bearer, timeout=10).status_code == 200
    add(first, endpoint="revoke", latency_ms=1)
    reset = emulator_cli(second, "reset", "--json")
    assert reset.returncode == 0, reset.stderr
    for url in (first, second, first, second):
        assert httpx.get(f"{url}{info}", headers=bearer, timeout=10).status_code == 401
        assert httpx.get(f"{url}/_tokstack/faults", timeout=10).json() == {"faults": []}
    fresh = json.loads(emulator_cli(first, "token", "--client-key", KEY, "--username", "alice",
                                    "--scopes", "user.info.basic", "--json").stdout)  # fmt: skip
    bearer = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert httpx.get(f"{second}{info}", headers=bearer, timeout=10).status_code == 200


def test_the_journal_holds_every_workers_requests(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    httpx.delete(f"{first}/_tokstack/requests", timeout=10)
    sent = []
    for n in range(8):  # new connections: with 2 workers both answer some
        answer = httpx.post(f"{(first, second)[n % 2]}/v2/oauth/token/", data=CLIENT, timeout=10)
        sent.append(answer.headers["x-tt-logid"])
        # the entry is there as soon as the answer is, whichever worker or node is asked
        latest = httpx.get(f"{(second, first)[n % 2]}/_tokstack/requests?limit=1", timeout=10)
        assert latest.json()["requests"][0]["log_id"] == sent[-1]
    listed = emulator_cli(first, "requests", "--endpoint", "token", "--json")
    entries = json.loads(listed.stdout)
    assert [e["log_id"] for e in entries] == sent[::-1]
    assert all(SECRET not in json.dumps(e) for e in entries)
    assert all(e["form"]["client_secret"] == "[redacted]" for e in entries)
