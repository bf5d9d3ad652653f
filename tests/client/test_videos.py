"""The client's Display API calls against the plugin's server, on seeded videos."""

from __future__ import annotations

import httpx
import pytest

from tokstack.client import VIDEO_FIELDS, ScopeNotAuthorized, Video
from tokstack.testing.handle import Tokstack

SCOPES = ["user.info.basic", "video.list"]


def test_every_page_of_45_videos(tokstack: Tokstack) -> None:
    app = tokstack.app(scopes=SCOPES)
    user = tokstack.user("vera")
    made = [tokstack.video(user, title=f"clip {i}", likes=i) for i in range(45)]
    tokstack.video(user, privacy_level="SELF_ONLY")
    tokens = tokstack.token(app, user, SCOPES)
    with tokstack.client(app) as tiktok:
        first = tiktok.videos(tokens.access_token, max_count=20)
        assert len(first.videos) == 20 and first.has_more
        everything = list(tiktok.iter_videos(tokens.access_token, fields=VIDEO_FIELDS))
    assert [v.id for v in everything] == made[::-1]  # newest first, the private one left out
    newest = everything[0]
    assert isinstance(newest, Video) and newest.title == "clip 44" and newest.like_count == 44
    assert newest.width == 1080 and newest.height == 1920 and newest.is_aigc is False
    assert newest.cover_image_url and httpx.get(newest.cover_image_url).status_code == 200
    assert newest.share_url and f"/@vera/video/{newest.id}" in newest.share_url


async def test_query_and_scope_with_the_async_client(tokstack: Tokstack) -> None:
    app = tokstack.app(scopes=SCOPES)
    user, other = tokstack.user("wes"), tokstack.user("xia")
    mine = tokstack.video(user, title="mine")
    theirs = tokstack.video(other, title="theirs")
    tokens = tokstack.token(app, user, SCOPES)
    basic = tokstack.token(app, other, ["user.info.basic"])
    async with tokstack.async_client(app) as tiktok:
        found = await tiktok.query_videos(tokens.access_token, [theirs, mine], fields="id,title")
        assert [(v.id, v.title, v.duration) for v in found] == [(mine, "mine", None)]
        assert [v.id async for v in tiktok.iter_videos(tokens.access_token)] == [mine]
        with pytest.raises(ScopeNotAuthorized):
            await tiktok.videos(basic.access_token)


def test_video_list_faults_are_retried_like_user_info(tokstack: Tokstack) -> None:
    app = tokstack.app(scopes=SCOPES)
    user = tokstack.user()
    tokstack.video(user)
    tokens = tokstack.token(app, user, SCOPES)
    tokstack.faults.add(endpoint="video.list", error="internal_error", times=1)
    with tokstack.client(app) as tiktok:
        tiktok._sleep = lambda seconds: None
        assert len(tiktok.videos(tokens.access_token).videos) == 1
    assert [r["status"] for r in tokstack.requests(endpoint="video.list")] == [200, 500]
