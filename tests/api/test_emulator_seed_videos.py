"""Seed documents declare videos: checked with paths, the same ids after every reset."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.media import clip
from tokstack.ids import stable_video_id
from tokstack.services import seed_sources
from tokstack.services.media import probe
from tokstack.services.seeding import apply
from tokstack.web.container import Container

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


async def test_a_seed_file_names_media_and_others_get_a_stand_in_clip(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient, tmp_path: Path
) -> None:
    container, _ = emulator
    (tmp_path / "clip.mp4").write_bytes(clip(2.0, 480, 480, 24))
    (tmp_path / "seed.yaml").write_text(
        "users: [{username: filmer, display_name: Filmer}]\n"
        "videos:\n"
        "  - {user: filmer, title: real, file: clip.mp4}\n"
        "  - {user: filmer, title: declared, duration: 30, width: 720, height: 1280}\n"
    )
    done = await apply(container.ctx, seed_sources.from_file(tmp_path / "seed.yaml"))
    real_id, declared_id = (v["id"] for v in done["videos"])
    async with container.ctx.store.read() as unit:
        real, declared = await unit.videos.get(real_id), await unit.videos.get(declared_id)
    assert real is not None and declared is not None
    assert (real.duration, real.width, real.height) == (2, 480, 480)
    assert (declared.duration, declared.width, declared.height) == (30, 720, 1280)
    blobs = container.ctx.avatars.blobs
    assert blobs.get(real.media_key or "") == clip(2.0, 480, 480, 24)
    stand_in = tmp_path / "stand-in.mp4"
    stand_in.write_bytes(blobs.get(declared.media_key or "") or b"")
    probed = probe(stand_in)
    assert probed is not None and probed.width * 1280 == probed.height * 720  # its proportions
    page = await emu.get(f"/@filmer/video/{declared_id}")
    assert page.status_code == 200 and "<video" in page.text
    over_http = await emu.post(
        "/_tokstack/seed", json={"videos": [{"user": "filmer", "file": "clip.mp4"}]}
    )
    assert over_http.status_code == 400
    assert "videos[0].file: a seed sent over HTTP cannot name files" in over_http.text
