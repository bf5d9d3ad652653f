"""Seed documents declare videos: checked with paths, the same ids after every reset."""

from __future__ import annotations

import httpx

from tokstack.ids import stable_video_id

KEY = "awdemowebapp0001"
DOC = {
    "users": [{"username": "vid_user", "display_name": "Vid"}],
    "videos": [
        {"user": "vid_user", "title": "first", "likes": 3, "create_time": 1_700_000_000},
        {"user": "vid_user", "title": "second", "privacy_level": "SELF_ONLY"},
        {"user": "vid_user", "id": "7123456789012345678", "width": 720, "height": 1280},
    ],
}


async def test_seeded_videos_and_their_ids(emu: httpx.AsyncClient) -> None:
    added = await emu.post("/_tokstack/seed", json=DOC)
    assert added.status_code == 201, added.text
    ids = [v["id"] for v in added.json()["videos"]]
    assert ids == [stable_video_id("vid_user", 0), stable_video_id("vid_user", 1),
                   "7123456789012345678"]  # fmt: skip
    assert all(v["created"] for v in added.json()["videos"])
    again = await emu.post("/_tokstack/seed", json=DOC)
    assert not any(v["created"] for v in again.json()["videos"])


async def test_a_video_of_nobody_is_refused_with_its_path(emu: httpx.AsyncClient) -> None:
    refused = await emu.post("/_tokstack/seed", json={"videos": [{"user": "nobody"}]})
    assert refused.status_code == 400
    assert "videos[0].user: no user named 'nobody'" in refused.json()["error"]["message"]
    bad = await emu.post("/_tokstack/seed", json={"videos": [{"user": "alice", "width": 10}]})
    assert bad.status_code == 400 and "videos[0].width" in bad.json()["error"]["message"]


async def test_reset_removes_seeded_videos_and_their_covers(emu: httpx.AsyncClient) -> None:
    await emu.post("/_tokstack/seed", json=DOC)
    app = await emu.post(
        "/_tokstack/seed",
        json={"apps": [{"developer": "Demo Developer", "name": "Vids", "platform": "web",
                        "client_key": "awvideoapp000001",
                        "redirect_uris": ["https://v.example/cb/"],
                        "scopes": ["user.info.basic", "video.list"]}]},
    )  # fmt: skip
    assert app.status_code == 201, app.text
    token = await emu.post("/_tokstack/tokens", json={"client_key": "awvideoapp000001",
                           "username": "vid_user", "scopes": "video.list"})  # fmt: skip
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    listed = await emu.post("/v2/video/list/?fields=id,cover_image_url,title", json={},
                            headers=headers)  # fmt: skip
    videos = listed.json()["data"]["videos"]
    assert [v["title"] for v in videos] == ["", "first"]  # the private one is not listed
    cover = videos[0]["cover_image_url"]
    assert (await emu.get(cover)).headers["content-type"] == "image/jpeg"
    await emu.post("/_tokstack/reset")
    assert (await emu.get(cover)).status_code == 403
