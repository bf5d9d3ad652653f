"""The Content Posting API through the ASGI app: creator info, direct posts and uploads to
drafts with real MP4s, TikTok's chunk rules on PUT, processing, status, cancel."""

from __future__ import annotations

import errno

import httpx
import orjson
import pytest

from tests.api.posting_helpers import (
    INBOX,
    INIT,
    SCOPES,
    STATUS,
    Poster,
    file_source,
    post,
    poster,
    process,
    put_headers,
    status,
    upload_whole,
)
from tests.conftest import PUBLIC_URL, World
from tests.media import clip, padded
from tokstack.clock import FrozenClock
from tokstack.services import profile
from tokstack.services.context import Context
from tokstack.web.container import Container

MB = 1024 * 1024
CREATOR = "/v2/post/publish/creator_info/query/"


async def fresh(world: World, who: Poster) -> dict[str, str]:
    tokens = await world.token(who.client_key, "alice", SCOPES)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def alice(world: World) -> Poster:
    return await poster(world)


async def test_creator_info(client: httpx.AsyncClient, alice: Poster) -> None:
    answer = await client.post(CREATOR, headers=alice.headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["creator_username"] == "alice" and data["creator_nickname"] == "Alice"
    assert data["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY",
    ]  # fmt: skip
    assert data["max_video_post_duration_sec"] == 600
    assert data["creator_avatar_url"].startswith(PUBLIC_URL)
    assert (await client.get(data["creator_avatar_url"])).status_code == 200
    assert {data[k] for k in ("comment_disabled", "duet_disabled", "stitch_disabled")} == {False}


async def test_scopes_are_checked(client: httpx.AsyncClient, world: World, alice: Poster) -> None:
    basic = await world.token(alice.client_key, "alice", "user.info.basic")
    headers = {"Authorization": f"Bearer {basic['access_token']}"}
    for path in (CREATOR, INIT, INBOX, STATUS):
        answer = await client.post(path, json={}, headers=headers)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == (
            "scope_not_authorized"
        ), path
    anonymous = await client.post(INIT, json={})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "access_token_invalid"


async def test_a_direct_post_is_listed_with_a_cover_of_its_frame(
    client: httpx.AsyncClient, container: Container, alice: Poster
) -> None:
    video = clip(2.0)
    empty = await client.post("/v2/video/list/?fields=id", json={}, headers=alice.headers)
    assert empty.json()["data"]["videos"] == []  # listed (and cached) before the post
    publish_id = await post(client, alice, video, video_cover_timestamp_ms=1000)
    assert publish_id.startswith("v_pub_file~v2-1.")
    before = await status(client, alice, publish_id)
    assert before == {
        "status": "PROCESSING_UPLOAD",
        "publicaly_available_post_id": [],
        "uploaded_bytes": len(video),
    }
    assert await process(container) == 1
    after = await status(client, alice, publish_id)
    assert after["status"] == "PUBLISH_COMPLETE" and len(after["publicaly_available_post_id"]) == 1
    listed = await client.post(
        "/v2/video/list/?fields=id,title,video_description,duration,width,height,cover_image_url",
        json={},
        headers=alice.headers,
    )
    (shown,) = listed.json()["data"]["videos"]
    assert int(shown["id"]) == after["publicaly_available_post_id"][0]
    assert (shown["duration"], shown["width"], shown["height"]) == (2, 360, 640)
    assert shown["video_description"] == "hello #tokstack"
    cover = await client.get(shown["cover_image_url"])
    assert cover.status_code == 200 and cover.content[:2] == b"\xff\xd8"


async def test_an_unaudited_app_posts_only_to_itself(
    client: httpx.AsyncClient, container: Container, world: World
) -> None:
    who = await poster(world, audited=False)
    body = {
        "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": file_source(1000),
    }
    refused = await client.post(INIT, json=body, headers=who.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "unaudited_client_can_only_post_to_private_accounts"
    publish_id = await post(client, who, clip(), privacy="SELF_ONLY")
    await process(container)
    done = await status(client, who, publish_id)
    assert done["status"] == "PUBLISH_COMPLETE" and done["publicaly_available_post_id"] == []
    listed = await client.post("/v2/video/list/?fields=id", json={}, headers=who.headers)
    assert listed.json()["data"]["videos"] == []


async def test_init_bodies_are_checked(
    client: httpx.AsyncClient, world: World, alice: Poster
) -> None:
    bad = [
        ({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}}, "invalid_params"),
        ({"post_info": {"privacy_level": "EVERYONE"}, "source_info": file_source(10)},
         "invalid_params"),
        ({"post_info": {"privacy_level": "SELF_ONLY", "title": "x" * 2201},
          "source_info": file_source(10)}, "invalid_params"),
        ({"post_info": {"privacy_level": "SELF_ONLY"},
          "source_info": {**file_source(10), "chunk_size": 5}}, "invalid_params"),
        ({"post_info": {"privacy_level": "SELF_ONLY"},
          "source_info": file_source(20 * MB, 3 * MB)}, "invalid_params"),
        ({"post_info": {"privacy_level": "SELF_ONLY"},
          "source_info": {**file_source(20 * MB, 5 * MB), "total_chunk_count": 5}},
         "invalid_params"),
    ]  # fmt: skip
    for index, (body, code) in enumerate(bad):
        if index % 5 == 0:  # 6 inits a minute per token: a new token now and then
            alice.headers = await fresh(world, alice)
        answer = await client.post(INIT, json=body, headers=alice.headers)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == code
    alice.headers = await fresh(world, alice)
    not_json = await client.post(INIT, content=b"{", headers=alice.headers)
    assert not_json.status_code == 400
    # a 2200-unit title counts UTF-16 units: 1100 emoji are 2200 units
    fine = {
        "post_info": {"privacy_level": "SELF_ONLY", "title": "\U0001f600" * 1100},
        "source_info": file_source(10),
    }
    assert (await client.post(INIT, json=fine, headers=alice.headers)).status_code == 200


async def test_three_chunks_under_tiktoks_rules(
    client: httpx.AsyncClient, container: Container, clock: FrozenClock, alice: Poster
) -> None:
    video = padded(clip(), 16 * MB)  # 5 MB chunks: 3 of them, the last one 6 MB
    body = {
        "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": file_source(len(video), 5 * MB),
    }
    data = (await client.post(INIT, json=body, headers=alice.headers)).json()["data"]
    url = data["upload_url"].removeprefix(PUBLIC_URL)

    async def put(first: int, last: int, total: int = len(video)) -> httpx.Response:
        return await client.put(
            url, content=video[first : last + 1], headers=put_headers(first, last, total)
        )

    assert (await put(5 * MB, 10 * MB - 1)).status_code == 416  # out of order
    assert (await put(0, 4 * MB - 1)).status_code == 400  # not a chunk's size
    assert (await put(0, 5 * MB - 1, total=17 * MB)).status_code == 400  # wrong total
    malformed = await client.put(url, content=b"x", headers={"Content-Range": "bytes=0-0"})
    assert malformed.status_code == 400
    assert (await put(0, 5 * MB - 1)).status_code == 206
    assert (await put(0, 5 * MB - 1)).status_code == 416  # the same chunk again
    assert (await status(client, alice, data["publish_id"]))["uploaded_bytes"] == 5 * MB
    assert (await put(5 * MB, 10 * MB - 1)).status_code == 206
    assert (await put(10 * MB, 16 * MB - 1)).status_code == 201
    assert (await put(10 * MB, 16 * MB - 1)).status_code == 403  # closed
    await process(container)
    assert (await status(client, alice, data["publish_id"]))["status"] == "PUBLISH_COMPLETE"
    forged = await client.put(url.replace("upload_token=", "upload_token=1"), content=b"x")
    assert forged.status_code == 403


async def test_an_upload_url_lives_one_hour(
    client: httpx.AsyncClient, clock: FrozenClock, alice: Poster
) -> None:
    video = clip()
    body = {
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": file_source(len(video)),
    }
    data = (await client.post(INIT, json=body, headers=alice.headers)).json()["data"]
    clock.advance(3601)
    late = await client.put(
        data["upload_url"].removeprefix(PUBLIC_URL),
        content=video,
        headers=put_headers(0, len(video) - 1, len(video)),
    )
    assert late.status_code == 403 and "expired" in late.json()["error"]["message"]


async def test_an_upload_to_drafts(
    client: httpx.AsyncClient, container: Container, alice: Poster
) -> None:
    video = clip()
    answer = await client.post(INBOX, json={"source_info": file_source(len(video))},
                               headers=alice.headers)  # fmt: skip
    data = answer.json()["data"]
    assert data["publish_id"].startswith("v_inbox_file~v2.")
    assert await upload_whole(client, data["upload_url"], video) == [201]
    await process(container)
    done = await status(client, alice, data["publish_id"])
    assert done["status"] == "SEND_TO_USER_INBOX" and done["publicaly_available_post_id"] == []
    listed = await client.post("/v2/video/list/?fields=id", json={}, headers=alice.headers)
    assert listed.json()["data"]["videos"] == []


async def test_a_full_disk_is_503_and_the_chunk_can_be_sent_again(
    client: httpx.AsyncClient, container: Container, alice: Poster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    video = clip()
    answer = await client.post(INBOX, json={"source_info": file_source(len(video))},
                               headers=alice.headers)  # fmt: skip
    upload_url = answer.json()["data"]["upload_url"]
    blobs = type(container.ctx.avatars.blobs)
    keep = blobs.put_file

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(blobs, "put_file", full)
    refused = await client.put(
        upload_url.removeprefix(PUBLIC_URL),
        content=video,
        headers=put_headers(0, len(video) - 1, len(video)),
    )
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "internal_error"
    assert "space" not in refused.text  # the detail stays in the log
    monkeypatch.setattr(blobs, "put_file", keep)
    assert await upload_whole(client, upload_url, video) == [201]


@pytest.mark.parametrize(
    ("video", "reason"),
    [
        (clip(1.0, fps=15), "frame_rate_check_failed"),
        (clip(1.0, 320, 320), "picture_size_check_failed"),
        (b"\x00\x00\x00\x18ftypmp42" + bytes(4000), "file_format_check_failed"),
    ],
)
async def test_media_rules(
    client: httpx.AsyncClient, container: Container, alice: Poster, video: bytes, reason: str
) -> None:
    publish_id = await post(client, alice, video)
    await process(container)
    done = await status(client, alice, publish_id)
    assert done["status"] == "FAILED" and done["fail_reason"] == reason


async def test_cancel(client: httpx.AsyncClient, alice: Poster) -> None:
    video = clip()
    body = {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file_source(len(video))}
    data = (await client.post(INIT, json=body, headers=alice.headers)).json()["data"]
    cancel = await client.post(
        "/v2/post/publish/cancel/", json={"publish_id": data["publish_id"]}, headers=alice.headers
    )
    assert cancel.status_code == 200
    done = await status(client, alice, data["publish_id"])
    assert done["status"] == "FAILED" and done["fail_reason"] == "publish_cancelled"
    statuses = await upload_whole(client, data["upload_url"], video)
    assert statuses == [403]
    again = await client.post(
        "/v2/post/publish/cancel/", json={"publish_id": data["publish_id"]}, headers=alice.headers
    )
    assert again.status_code == 400


async def test_another_users_publish_is_not_found(
    client: httpx.AsyncClient, world: World, alice: Poster
) -> None:
    publish_id = await post(client, alice, clip(), privacy="SELF_ONLY")
    bob = await poster(world, username="bob")
    answer = await client.post(STATUS, json={"publish_id": publish_id}, headers=bob.headers)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_params"


async def test_per_token_init_limit(client: httpx.AsyncClient, alice: Poster) -> None:
    body = {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file_source(10)}
    codes = [
        (await client.post(INIT, json=body, headers=alice.headers)).status_code for _ in range(7)
    ]
    assert codes == [200] * 6 + [429]


async def test_a_job_survives_a_worker_that_died(
    client: httpx.AsyncClient, container: Container, clock: FrozenClock, alice: Poster
) -> None:
    publish_id = await post(client, alice, clip())
    async with container.ctx.store.unit() as unit:  # a worker takes it, then dies
        (claimed,) = await unit.publishes.claim_due(clock.now(), 600, 4)
    assert claimed.id == publish_id
    assert await process(container) == 0  # leased: nobody else takes it
    clock.advance(601)
    assert await process(container) == 1
    assert (await status(client, alice, publish_id))["status"] == "PUBLISH_COMPLETE"


async def test_webhooks_of_a_post(
    client: httpx.AsyncClient, container: Container, ctx: Context, world: World
) -> None:
    who = await poster(world, webhook_url="https://app.example/hooks")
    publish_id = await post(client, who, clip())
    failed_id = await post(client, who, clip(1.0, fps=15))
    await process(container)
    async with ctx.store.unit() as unit:
        sent = await unit.webhooks.claim_due(ctx.clock.now(), 60, 20)
    events = {}
    for event in sent:
        body = orjson.loads(event.body)
        events[body["event"]] = orjson.loads(body["content"])
    done = await status(client, who, publish_id)
    assert events["post.publish.complete"] == {
        "publish_id": publish_id, "publish_type": "DIRECT_POST",
    }  # fmt: skip
    assert events["post.publish.publicly_available"] == {
        "publish_id": publish_id,
        "post_id": str(done["publicaly_available_post_id"][0]),
        "publish_type": "DIRECT_POST",
    }
    assert events["post.publish.failed"] == {
        "publish_id": failed_id, "reason": "frame_rate_check_failed", "publish_type": "DIRECT_POST",
    }  # fmt: skip


async def test_video_count_follows_public_videos_unless_set(
    client: httpx.AsyncClient, container: Container, ctx: Context, alice: Poster
) -> None:
    async def count() -> int:
        answer = await client.get("/v2/user/info/?fields=video_count", headers=alice.headers)
        return int(answer.json()["data"]["user"]["video_count"])

    assert await count() == 0
    await post(client, alice, clip())
    await post(client, alice, clip(), privacy="SELF_ONLY")
    await process(container)
    assert await count() == 1
    await profile.operator_update(ctx, "alice", video_count=40)
    await post(client, alice, clip())
    await process(container)
    assert await count() == 40  # set by hand: it wins
    await profile.operator_update(ctx, "alice", count_videos=True)
    assert await count() == 2
