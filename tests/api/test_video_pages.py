"""tokstack's own video pages: the profile's videos, a video's page (share_url), the embed
player (embed_link) and its captions, the signed media URL; and the account page's videos:
upload, delete, and drafts from apps posted or discarded."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.api.posting_helpers import Poster, post, poster, process, status, upload_draft
from tests.api.test_account import log_in
from tests.api.test_portal import csrf_of
from tests.conftest import PUBLIC_URL, World
from tests.media import clip
from tokstack.clock import FrozenClock
from tokstack.services import video_catalog
from tokstack.web.container import Container


@pytest.fixture
async def alice(world: World) -> Poster:
    made = await poster(world, webhook_url="https://app.example/hooks", password="alice-password")
    return made


async def add(container: Container, tmp_path_factory: pytest.TempPathFactory, **extra: str) -> str:
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    path.write_bytes(clip(2.0))
    made = await video_catalog.create(container.ctx, "alice", path, **extra)  # type: ignore[arg-type]
    return str(made["id"])


def media_src(html: str) -> str:
    found = re.search(r'<video[^>]* src="([^"]+)"', html)
    assert found is not None, html
    return found.group(1).replace("&amp;", "&")


async def test_profile_video_page_player_and_media(
    client: httpx.AsyncClient, container: Container, clock: FrozenClock, alice: Poster,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    shown = await add(container, tmp_path_factory, title="seaside")
    hidden = await add(container, tmp_path_factory, title="secret", privacy_level="SELF_ONLY")
    profile = (await client.get("/@alice")).text
    assert f"/@alice/video/{shown}" in profile and "seaside" in profile
    assert "secret" not in profile and hidden not in profile
    page = await client.get(f"/@alice/video/{shown}")
    assert page.status_code == 200 and "seaside" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    media = await client.get(media_src(page.text).removeprefix(PUBLIC_URL))
    assert media.status_code == 200 and media.content == clip(2.0)
    assert media.headers["content-type"] == "video/mp4"
    player = await client.get(f"/player/v1/{shown}")
    assert player.status_code == 200 and "x-frame-options" not in player.headers
    assert "frame-ancestors *" in player.headers["content-security-policy"]
    captions = await client.get(f"/player/v1/{shown}/captions.vtt")
    assert captions.text.startswith("WEBVTT") and "seaside" in captions.text
    for path in (f"/@alice/video/{hidden}", f"/player/v1/{hidden}", f"/@bob/video/{shown}",
                 "/player/v1/abc"):  # fmt: skip
        assert (await client.get(path)).status_code == 404, path
    forged = media_src(page.text).removeprefix(PUBLIC_URL).replace("x-signature=", "x-signature=A")
    assert (await client.get(forged)).status_code == 403
    clock.advance(6 * 3600 + 1)
    assert (await client.get(media_src(page.text).removeprefix(PUBLIC_URL))).status_code == 403


async def test_the_share_url_and_embed_link_lead_to_the_pages(
    client: httpx.AsyncClient, container: Container, alice: Poster,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    await add(container, tmp_path_factory, title="linked")
    listed = await client.post(
        "/v2/video/list/?fields=share_url,embed_link", json={}, headers=alice.headers
    )
    (video,) = listed.json()["data"]["videos"]
    for url in (video["share_url"], video["embed_link"]):
        page = await client.get(url.removeprefix(PUBLIC_URL))
        assert page.status_code == 200 and "<video" in page.text, url


async def test_account_upload_and_delete(
    client: httpx.AsyncClient, container: Container, world: World, alice: Poster,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    await world.user("bob")
    path = tmp_path_factory.mktemp("bob") / "clip.mp4"
    path.write_bytes(clip())
    bobs = (await video_catalog.create(container.ctx, "bob", path))["id"]
    await log_in(client)
    token = await csrf_of(client, "/account/")
    sent = await client.post(
        "/account/videos",
        data={"csrf": token, "title": "from the browser", "privacy_level": "PUBLIC_TO_EVERYONE"},
        files={"video": ("clip.mp4", clip(), "video/mp4")},
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/account/?done=video"
    page = (await client.get("/account/")).text
    found = re.search(r'action="/account/videos/(\d+)/delete"', page)
    assert found is not None and "from the browser" in page
    listed = await client.post("/v2/video/list/?fields=id,title", json={}, headers=alice.headers)
    assert listed.json()["data"]["videos"] == [{"id": found.group(1), "title": "from the browser"}]
    bad = await client.post(
        "/account/videos",
        data={"csrf": token, "title": "text"},
        files={"video": ("notes.txt", b"not a video", "text/plain")},
    )
    assert bad.status_code == 400 and "not a video" in bad.text
    not_hers = await client.post(f"/account/videos/{bobs}/delete", data={"csrf": token})
    assert not_hers.status_code == 404
    deleted = await client.post(f"/account/videos/{found.group(1)}/delete", data={"csrf": token})
    assert deleted.status_code == 303
    listed = await client.post("/v2/video/list/?fields=id", json={}, headers=alice.headers)
    assert listed.json()["data"]["videos"] == []


async def test_a_draft_from_an_app_is_posted_from_the_account_page(
    client: httpx.AsyncClient, container: Container, alice: Poster
) -> None:
    publish_id = await upload_draft(client, alice, clip())
    await process(container)
    await log_in(client)
    page = (await client.get("/account/")).text
    found = re.search(r'action="/account/drafts/(\d+)/post"', page)
    assert found is not None and "Drafts from apps" in page
    token = await csrf_of(client, "/account/")
    posted = await client.post(
        f"/account/drafts/{found.group(1)}/post",
        data={"csrf": token, "privacy_level": "PUBLIC_TO_EVERYONE"},
    )
    assert posted.status_code == 303
    done = await status(client, alice, publish_id)
    assert done["status"] == "PUBLISH_COMPLETE"
    assert done["publicaly_available_post_id"] == [int(found.group(1))]
    again = await client.post(
        f"/account/drafts/{found.group(1)}/post", data={"csrf": token, "privacy_level": "SELF_ONLY"}
    )
    assert again.status_code == 404
    async with container.ctx.store.unit() as unit:
        events = await unit.webhooks.claim_due(container.ctx.clock.now(), 60, 20)
    names = [json.loads(e.body)["event"] for e in events]
    assert names == [
        "post.publish.inbox_delivered", "post.publish.complete", "post.publish.publicly_available",
    ]  # fmt: skip
    deleted = await client.post(f"/account/videos/{found.group(1)}/delete", data={"csrf": token})
    assert deleted.status_code == 303
    async with container.ctx.store.unit() as unit:
        (gone,) = await unit.webhooks.claim_due(container.ctx.clock.now(), 60, 20)
    body = json.loads(gone.body)
    assert body["event"] == "post.publish.no_longer_publicaly_available"
    assert json.loads(body["content"])["post_id"] == found.group(1)


async def test_a_discarded_draft_is_gone(
    client: httpx.AsyncClient, container: Container, alice: Poster
) -> None:
    await upload_draft(client, alice, clip())
    await process(container)
    await log_in(client)
    page = (await client.get("/account/")).text
    found = re.search(r'action="/account/drafts/(\d+)/discard"', page)
    assert found is not None
    token = await csrf_of(client, "/account/")
    discarded = await client.post(f"/account/drafts/{found.group(1)}/discard", data={"csrf": token})
    assert discarded.status_code == 303
    assert "Drafts from apps" not in (await client.get("/account/")).text


async def test_changing_who_can_watch_tells_the_app(
    client: httpx.AsyncClient, container: Container, alice: Poster
) -> None:
    publish_id = await post(client, alice, clip())
    await process(container)
    (video_id,) = (await status(client, alice, publish_id))["publicaly_available_post_id"]
    async with container.ctx.store.unit() as unit:  # the posting's own events, out of the way
        await unit.webhooks.claim_due(container.ctx.clock.now(), 60, 20)
    await log_in(client)
    token = await csrf_of(client, "/account/")
    for level, event in (("SELF_ONLY", "post.publish.no_longer_publicaly_available"),
                         ("PUBLIC_TO_EVERYONE", "post.publish.publicly_available")):  # fmt: skip
        changed = await client.post(
            f"/account/videos/{video_id}/privacy", data={"csrf": token, "privacy_level": level}
        )
        assert changed.status_code == 303
        listed = await client.post("/v2/video/list/?fields=id", json={}, headers=alice.headers)
        assert len(listed.json()["data"]["videos"]) == (level == "PUBLIC_TO_EVERYONE")
        async with container.ctx.store.unit() as unit:
            (sent,) = await unit.webhooks.claim_due(container.ctx.clock.now(), 60, 20)
        body = json.loads(sent.body)
        assert body["event"] == event and json.loads(body["content"])["post_id"] == str(video_id)
    bad = await client.post(
        f"/account/videos/{video_id}/privacy", data={"csrf": token, "privacy_level": "EVERYONE"}
    )
    assert bad.status_code == 400
