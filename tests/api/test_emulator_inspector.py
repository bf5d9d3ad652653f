"""The inspector page, /_tokstack/: the world at a glance, faults and the clock from forms."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import httpx

from tests.api.oauth_helpers import hidden
from tests.conftest import emulator_server
from tokstack.services.demo import ensure_demo

KEY, SECRET = "awdemowebapp0001", "demoSecretWebApp0000000000000001"
CLIENT = {"client_key": KEY, "client_secret": SECRET, "grant_type": "client_credentials"}


def rows(page: str, section: str) -> list[str]:
    """The text of each body row of a section's table."""
    part = page.split(f'<h2 id="{section}">', 1)[1].split("</section>", 1)[0]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in part else ""
    return [re.sub(r"<[^>]+>", " ", row).split() and " ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in body.split("<tr>")[1:]]  # fmt: skip


async def test_the_page_shows_the_world_without_a_secret(
    emu: httpx.AsyncClient, alice_tokens: dict[str, Any]
) -> None:
    await emu.get("/v2/user/info/?fields=open_id",
                  headers={"Authorization": f"Bearer {alice_tokens['access_token']}"})  # fmt: skip
    page = await emu.get("/_tokstack/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert any(r.startswith("alice Alice Example active yes") for r in rows(page.text, "users"))
    assert any(KEY in r and "Demo Web App" in r for r in rows(page.text, "apps"))
    (grant,) = rows(page.text, "grants")
    assert grant.startswith(f"alice {KEY} {alice_tokens['open_id']}")
    assert "1 access, 1 refresh" in grant and grant.endswith("active")
    (request,) = rows(page.text, "journal")
    assert "GET /v2/user/info/ 200" in request
    for secret in (alice_tokens["access_token"], alice_tokens["refresh_token"], SECRET):
        assert secret not in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_faults_are_added_and_cleared_from_the_page(emu: httpx.AsyncClient) -> None:
    page = await emu.get("/_tokstack/")
    csrf = hidden(page.text, "csrf")
    added = await emu.post("/_tokstack/inspector/faults", data={
        "csrf": csrf, "endpoint": "token", "error": "invalid_client", "client_key": KEY,
        "times": "1", "status": "", "retry_after": "", "latency_ms": "",
    })  # fmt: skip
    assert added.status_code == 303 and added.headers["location"] == "/_tokstack/?done=fault-added"
    refused = await emu.post("/v2/oauth/token/", data=CLIENT)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    page = await emu.get(added.headers["location"])
    assert "The fault rule was added." in page.text
    (rule,) = rows(page.text, "faults")
    assert f"token client_key={KEY} invalid_client next 1 1" in rule
    (journal,) = rows(page.text, "journal")
    assert "POST /v2/oauth/token/ 401" in journal and "flt_" in journal
    wrong = await emu.post("/_tokstack/inspector/faults", data={
        "csrf": csrf, "endpoint": "revoke", "error": "access_denied"})  # fmt: skip
    assert wrong.status_code == 400 and "revoke does not send" in wrong.text
    typo = await emu.post("/_tokstack/inspector/faults",
                          data={"csrf": csrf, "endpoint": "token", "times": "two"})  # fmt: skip
    assert typo.status_code == 400 and "times must be a whole number" in typo.text
    cleared = await emu.post("/_tokstack/inspector/faults/clear", data={"csrf": csrf})
    assert cleared.status_code == 303
    assert (await emu.get("/_tokstack/faults")).json() == {"faults": []}


async def test_the_clock_moves_from_the_page(emu: httpx.AsyncClient) -> None:
    csrf = hidden((await emu.get("/_tokstack/")).text, "csrf")
    moved = await emu.post("/_tokstack/inspector/clock", data={"csrf": csrf, "seconds": "7200"})
    assert moved.status_code == 303
    assert (await emu.get("/_tokstack/clock")).json()["offset"] >= 7200
    page = await emu.get(moved.headers["location"])
    assert "offset +72" in page.text and "The clock was moved." in page.text
    back = await emu.post("/_tokstack/inspector/clock", data={"csrf": csrf, "seconds": "-7200"})
    assert back.status_code == 303
    assert abs((await emu.get("/_tokstack/clock")).json()["offset"]) <= 1
    bad = await emu.post("/_tokstack/inspector/clock", data={"csrf": csrf, "seconds": "soon"})
    assert bad.status_code == 400 and "seconds must be a whole number" in bad.text


async def test_forms_need_the_page_token_of_this_browser(emu: httpx.AsyncClient) -> None:
    for path, data in (("/_tokstack/inspector/faults", {"endpoint": "token", "drop": "1"}),
                       ("/_tokstack/inspector/faults/clear", {}),
                       ("/_tokstack/inspector/clock", {"seconds": "60"})):  # fmt: skip
        refused = await emu.post(path, data={**data, "csrf": "forged"})
        assert refused.status_code == 403
    assert (await emu.get("/_tokstack/faults")).json() == {"faults": []}
    assert abs((await emu.get("/_tokstack/clock")).json()["offset"]) <= 1


async def test_the_journal_filters(emu: httpx.AsyncClient) -> None:
    await emu.post("/v2/oauth/token/", data=CLIENT)
    await emu.post("/v2/oauth/token/", data={**CLIENT, "client_secret": "wrong"})
    await emu.get("/v2/user/info/?fields=open_id")
    everything = rows((await emu.get("/_tokstack/")).text, "journal")
    assert len(everything) == 3
    tokens = rows((await emu.get("/_tokstack/?endpoint=token")).text, "journal")
    assert len(tokens) == 2 and all("/v2/oauth/token/" in r for r in tokens)
    failed = rows((await emu.get("/_tokstack/?endpoint=token&status=401")).text, "journal")
    assert len(failed) == 1 and " 401 " in failed[0]
    other = (await emu.get("/_tokstack/?client_key=awnobody")).text
    assert rows(other, "journal") == [] and "No requests match." in other


async def test_with_an_emulator_token_the_browser_is_asked_for_it(tmp_path: Path) -> None:
    token = "inspector-token-0123456789"
    async with emulator_server(tmp_path, emulator_token=token) as (container, client):
        await ensure_demo(container.ctx)
        asked = await client.get("/_tokstack/")
        assert asked.status_code == 401
        assert asked.headers["www-authenticate"].startswith('Basic realm="tokstack emulator"')
        assert "alice" not in asked.text
        wrong = base64.b64encode(b"me:not-the-token").decode()
        denied = await client.get("/_tokstack/", headers={"Authorization": f"Basic {wrong}"})
        assert denied.status_code == 401
        basic = {"Authorization": "Basic " + base64.b64encode(f"me:{token}".encode()).decode()}
        page = await client.get("/_tokstack/", headers=basic)
        assert page.status_code == 200 and "Alice Example" in page.text
        moved = await client.post(
            "/_tokstack/inspector/clock",
            headers=basic,
            data={"csrf": hidden(page.text, "csrf"), "seconds": "60"},
        )
        assert moved.status_code == 303  # fmt: skip
        unasked = await client.post("/_tokstack/inspector/clock", data={"seconds": "60"})
        assert unasked.status_code == 401
        # the JSON control API takes the same token as a bearer token, or as Basic
        assert (await client.get("/_tokstack/clock", headers=basic)).status_code == 200


async def test_no_inspector_outside_emulator_mode(client: httpx.AsyncClient) -> None:
    for path in ("/_tokstack/", "/_tokstack/inspector/clock"):
        answer = await client.get(path)
        assert answer.status_code == 404 and answer.text == "Unsupported path(Janus)"
