"""Emulator mode covers the Display API's video endpoints: faults and the journal."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_video_display import add_videos
from tokstack.web.container import Container

KEY = "awdemowebapp0001"


async def video_token(emulator: tuple[Container, httpx.AsyncClient]) -> dict[str, str]:
    container, client = emulator
    async with container.ctx.store.unit() as unit:  # the demo app, now approved for videos
        app = await unit.apps.by_client_key(KEY)
        assert app is not None
        await unit.apps.update(app.id, scopes=(*app.scopes, "video.list"))
    issued = await client.post(
        "/_tokstack/tokens",
        json={"client_key": KEY, "username": "alice", "scopes": "user.info.basic,video.list"},
    )
    assert issued.status_code == 200, issued.text
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


async def test_faults_on_video_list_and_query(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> None:
    headers = await video_token(emulator)
    rule = {"endpoint": "video.list", "error": "rate_limit_exceeded", "retry_after": 4, "times": 1}
    assert (await emu.post("/_tokstack/faults", json=rule)).status_code == 201
    limited = await emu.post("/v2/video/list/?fields=id", json={}, headers=headers)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "4"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert (
        await emu.post("/v2/video/list/?fields=id", json={}, headers=headers)
    ).status_code == 200
    broken = {"endpoint": "video.query", "error": "internal_error"}
    await emu.post("/_tokstack/faults", json=broken)
    failed = await emu.post(
        "/v2/video/query/?fields=id", json={"filters": {"video_ids": ["1"]}}, headers=headers
    )
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
    wrong = {"endpoint": "video.list", "error": "invalid_grant"}
    assert (await emu.post("/_tokstack/faults", json=wrong)).status_code == 400


async def test_the_journal_keeps_the_json_body(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> None:
    headers = await video_token(emulator)
    await add_videos(emulator[0].ctx, "alice", [1_700_000_000])
    body: dict[str, Any] = {"max_count": 5, "cursor": 1_800_000_000_000}
    await emu.post("/v2/video/list/?fields=id,title", json=body, headers=headers)
    (entry,) = (await emu.get("/_tokstack/requests?endpoint=video.list")).json()["requests"]
    assert entry["json"] == body and entry["status"] == 200 and entry["client_key"] == KEY
    assert entry["query"] == {"fields": "id,title"} and entry["open_id"]
    assert len(entry["response"]["data"]["videos"]) == 1
