"""The client's Content Posting API calls against the plugin's server: a direct post of a
file in TikTok's chunks, an upload to drafts, creator info, and a failed publish."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import clip, padded
from tokstack.client import CreatorInfo, PublishStatus, ScopeNotAuthorized, TikTokError
from tokstack.testing.handle import Tokstack

SCOPES = ["user.info.basic", "video.list", "video.publish", "video.upload"]
MB = 1024 * 1024


def test_post_a_file_in_three_chunks(tokstack: Tokstack, tmp_path: Path) -> None:
    app = tokstack.app(scopes=SCOPES, audited=True)
    user = tokstack.user("poster")
    tokens = tokstack.token(app, user, SCOPES)
    video = tmp_path / "clip.mp4"
    video.write_bytes(padded(clip(2.0), 16 * MB))
    with tokstack.client(app) as tiktok:
        info = tiktok.creator_info(tokens.access_token)
        assert isinstance(info, CreatorInfo) and info.username == "poster"
        post_info = {"title": "three chunks", "privacy_level": info.privacy_level_options[0]}
        done = tiktok.post_video(
            tokens.access_token, video, post_info, chunk_size=5 * MB, poll_interval=0.2
        )
        assert isinstance(done, PublishStatus) and done.status == "PUBLISH_COMPLETE", done
        assert done.uploaded_bytes == 16 * MB and len(done.post_ids) == 1
        (listed,) = tiktok.videos(tokens.access_token).videos
    assert listed.id == done.post_ids[0] and listed.title == "three chunks"
    (put,) = {e["body"]["size"] for e in tokstack.requests() if e["endpoint"] == "post.upload"} - {
        5 * MB
    }
    assert put == 6 * MB  # the last chunk absorbed the remainder


async def test_upload_to_drafts_and_a_failure_with_the_async_client(tokstack: Tokstack) -> None:
    app = tokstack.app(scopes=SCOPES)  # unaudited
    user = tokstack.user("drafter")
    tokens = tokstack.token(app, user, SCOPES)
    async with tokstack.async_client(app) as tiktok:
        draft = await tiktok.upload_video(tokens.access_token, clip(), poll_interval=0.2)
        assert draft.status == "SEND_TO_USER_INBOX" and draft.post_ids == ()
        with pytest.raises(TikTokError) as refused:
            await tiktok.post_video(
                tokens.access_token, clip(), {"privacy_level": "PUBLIC_TO_EVERYONE"}
            )
        assert refused.value.code == "unaudited_client_can_only_post_to_private_accounts"
        assert refused.value.status == 403
        slow = await tiktok.post_video(
            tokens.access_token, clip(1.0, fps=15), {"privacy_level": "SELF_ONLY"},
            poll_interval=0.2,
        )  # fmt: skip
        assert slow.failed and slow.fail_reason == "frame_rate_check_failed"
        basic = tokstack.token(app, user, ["user.info.basic"])
        with pytest.raises(ScopeNotAuthorized):
            await tiktok.creator_info(basic.access_token)
