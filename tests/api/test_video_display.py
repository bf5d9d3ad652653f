"""``/v2/video/list/`` and ``/v2/video/query/`` through the ASGI app, on videos stored for
a user (their creation from media files is the next part of the videos issue)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import PUBLIC_URL, World
from tokstack.clock import FrozenClock
from tokstack.domain.videos import VIDEO_FIELDS, Video, new_id
from tokstack.services.context import Context

LIST = "/v2/video/list/?fields=" + ",".join(VIDEO_FIELDS)
QUERY = "/v2/video/query/?fields=id,title,cover_image_url"


async def add_videos(
    ctx: Context, username: str, times: list[int], privacy: str = "PUBLIC_TO_EVERYONE"
) -> list[Video]:
    async with ctx.store.unit() as unit:
        user = await unit.users.by_username(username)
        assert user is not None
        made = []
        for at in times:
            cover = f"cover-{new_id()}.jpg"
            ctx.avatars.blobs.put(cover, b"\xff\xd8jpeg")
            video = Video(
                id=new_id(), user_id=user.id, create_time=at, title=f"video at {at}",
                description="desc", duration=12, width=1080, height=1920,
                privacy_level=privacy, like_count=5, comment_count=6, share_count=7,
                view_count=8, is_aigc=False, source="cli", cover_key=cover,
            )  # fmt: skip
            made.append(await unit.videos.add(video))
    return made


@pytest.fixture
async def bearer(world: World) -> dict[str, Any]:
    developer = await world.developer()
    app = await world.app(developer, scopes="user.info.basic,video.list")
    await world.user("alice")
    await world.user("bob", display_name="Bob")
    tokens = await world.token(app.app.client_key, "alice", "user.info.basic,video.list")
    basic = await world.token(app.app.client_key, "alice", "user.info.basic")
    return {
        "client_key": app.app.client_key,
        "headers": {"Authorization": f"Bearer {tokens['access_token']}"},
        "basic": {"Authorization": f"Bearer {basic['access_token']}"},
    }


async def test_pages_of_20_across_45_videos(
    client: httpx.AsyncClient, ctx: Context, bearer: dict[str, Any]
) -> None:
    made = await add_videos(ctx, "alice", [1_700_000_000 + 60 * i for i in range(45)])
    await add_videos(ctx, "alice", [1_800_000_000], privacy="SELF_ONLY")
    await add_videos(ctx, "bob", [1_700_000_030])
    seen: list[str] = []
    body: dict[str, Any] = {"max_count": 20}
    pages = 0
    while True:
        answer = await client.post(LIST, json=body, headers=bearer["headers"])
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        seen += [v["id"] for v in data["videos"]]
        pages += 1
        if not data["has_more"]:
            break
        body = {"max_count": 20, "cursor": data["cursor"]}
    newest_first = [v.id for v in sorted(made, key=lambda v: -v.create_time)]
    assert seen == newest_first and pages == 3


async def test_every_field_of_the_video_object(
    client: httpx.AsyncClient, ctx: Context, bearer: dict[str, Any]
) -> None:
    (video,) = await add_videos(ctx, "alice", [1_700_000_000])
    answer = await client.post(LIST, json={}, headers=bearer["headers"])
    (found,) = answer.json()["data"]["videos"]
    assert set(found) == set(VIDEO_FIELDS)
    assert (found["id"], found["create_time"], found["duration"]) == (video.id, 1_700_000_000, 12)
    assert found["share_url"] == (
        f"{PUBLIC_URL}/@alice/video/{video.id}?utm_campaign=tt4d_open_api"
        f"&utm_source={bearer['client_key']}"
    )
    assert found["embed_link"].endswith(f"/player/v1/{video.id}")
    assert f'data-video-id="{video.id}"' in found["embed_html"]
    cover = await client.get(found["cover_image_url"])
    assert cover.status_code == 200 and cover.content == b"\xff\xd8jpeg"


async def test_a_cursor_of_your_own_and_a_small_page(
    client: httpx.AsyncClient, ctx: Context, bearer: dict[str, Any]
) -> None:
    await add_videos(ctx, "alice", [1000, 2000, 3000, 4000])
    answer = await client.post(
        LIST, json={"cursor": 3_000_500, "max_count": 1}, headers=bearer["headers"]
    )
    data = answer.json()["data"]
    assert [v["create_time"] for v in data["videos"]] == [3000]
    assert data["cursor"] == 3_000_000 and data["has_more"] is True


async def test_cover_urls_expire_after_six_hours(
    client: httpx.AsyncClient, ctx: Context, bearer: dict[str, Any], clock: FrozenClock
) -> None:
    (video,) = await add_videos(ctx, "alice", [1_700_000_000])
    answer = await client.post(QUERY, json={"filters": {"video_ids": [video.id]}},
                               headers=bearer["headers"])  # fmt: skip
    url = answer.json()["data"]["videos"][0]["cover_image_url"]
    expires = int(parse_qs(urlsplit(url).query)["x-expires"][0])
    # 6 hours, rounded up to the next 10 minutes (one signed URL per cover for 10 minutes)
    assert clock.now() + 6 * 3600 <= expires < clock.now() + 6 * 3600 + 600
    assert expires % 600 == 0
    clock.advance(6 * 3600 - 1)
    assert (await client.get(url)).status_code == 200
    clock.advance(expires + 1 - clock.now())
    assert (await client.get(url)).status_code == 403
    tampered = url.replace(str(expires), str(expires + 3600))
    assert (await client.get(tampered)).status_code == 403


async def test_query_returns_only_the_users_own_public_videos(
    client: httpx.AsyncClient, ctx: Context, bearer: dict[str, Any]
) -> None:
    mine = await add_videos(ctx, "alice", [10, 20])
    (private,) = await add_videos(ctx, "alice", [30], privacy="SELF_ONLY")
    (foreign,) = await add_videos(ctx, "bob", [40])
    ids = [mine[1].id, foreign.id, private.id, "123", mine[0].id]
    answer = await client.post(QUERY, json={"filters": {"video_ids": ids}},
                               headers=bearer["headers"])  # fmt: skip
    assert [v["id"] for v in answer.json()["data"]["videos"]] == [mine[1].id, mine[0].id]
    assert set(answer.json()["data"]["videos"][0]) == {"id", "title", "cover_image_url"}


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (LIST, b"{not json", 400, "invalid_params"),
        (LIST, b'{"max_count": 21}', 400, "invalid_params"),
        (LIST, b'{"max_count": 0}', 400, "invalid_params"),
        (LIST, b'{"cursor": "soon"}', 400, "invalid_params"),
        (LIST, b"[]", 400, "invalid_params"),
        ("/v2/video/list/", b"{}", 400, "invalid_params"),  # no fields
        (QUERY, b"", 400, "invalid_params"),
        (QUERY, b'{"filters": {"video_ids": []}}', 400, "invalid_params"),
        (QUERY, json.dumps({"filters": {"video_ids": ["1"] * 21}}).encode(), 400,
         "invalid_params"),
    ],
)  # fmt: skip
async def test_bad_bodies(
    client: httpx.AsyncClient, bearer: dict[str, Any], path: str, body: bytes, status: int,
    code: str,
) -> None:  # fmt: skip
    headers = {**bearer["headers"], "Content-Type": "application/json"}
    answer = await client.post(path, content=body, headers=headers)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["log_id"] and answer.json()["data"] == {}


async def test_scope_and_token_errors(client: httpx.AsyncClient, bearer: dict[str, Any]) -> None:
    missing = await client.post(LIST, json={}, headers=bearer["basic"])
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "scope_not_authorized"
    bad = await client.post(LIST, json={}, headers={"Authorization": "Bearer act.nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "access_token_invalid"
