"""Videos in a real browser: the profile's grid, a video's page and the embed player play the
media; the account page adds a video from a file and posts a draft an app uploaded. Every
page audited with axe-core at 375 and 1280 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Live
from tests.browser.test_accessibility import audit
from tests.browser.test_portal_account_in_chromium import log_in
from tests.media import clip
from tokstack.domain.videos import DRAFT
from tokstack.services import video_catalog
from tokstack.services.context import Context

expect = pytest.importorskip("playwright.sync_api").expect


def add_videos(live: Live, folder: Path) -> tuple[str, str]:
    """A public video and a draft waiting in alice's inbox: their ids."""
    source = folder / "clip.mp4"
    source.write_bytes(clip(2.0))

    async def work(ctx: Context) -> tuple[str, str]:
        shown = await video_catalog.create(ctx, "alice", source, title="Seaside at dusk")
        draft = await video_catalog.create(ctx, "alice", source, privacy_level="SELF_ONLY")
        async with ctx.store.unit() as unit:  # as an app's upload to the inbox leaves it
            await unit.videos.set_privacy(draft["id"], DRAFT, ctx.clock.now())
        return str(shown["id"]), str(draft["id"])

    return live.call(work)


@pytest.mark.parametrize("width", (375, 1280))
def test_video_pages_play_and_pass_axe(
    browser: Any, live: Live, tmp_path: Path, width: int
) -> None:
    shown, _ = add_videos(live, tmp_path)
    playing = browser.new_page(viewport={"width": width, "height": 900})  # under the real CSP
    playing.goto(f"{live.url}/@alice")
    playing.get_by_role("link", name="Seaside at dusk").click()
    playing.wait_for_url(f"{live.url}/@alice/video/{shown}")
    playing.wait_for_function("document.querySelector('video').readyState >= 1")
    assert round(playing.locator("video").evaluate("v => v.duration")) == 2
    if width == 1280:
        live.shot(playing, "video-page")
    playing.goto(f"{live.url}/player/v1/{shown}")
    playing.wait_for_function("document.querySelector('video').readyState >= 1")
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()  # axe is injected as a script: the CSP would refuse it
    problems: list[str] = []
    for path, label in (
        (f"/@alice/video/{shown}", "video page"),
        ("/@alice", "profile with videos"),
        (f"/player/v1/{shown}", "embed player"),
    ):
        page.goto(live.url + path)
        problems += audit(page, label)
    log_in(page, live)
    problems += audit(page, "account with videos and a draft")
    assert problems == []


def test_account_adds_a_video_and_posts_a_draft(browser: Any, live: Live, tmp_path: Path) -> None:
    _, draft = add_videos(live, tmp_path)
    upload = tmp_path / "mine.mp4"
    upload.write_bytes(clip(1.0, 480, 480, 24))
    page = browser.new_page()
    log_in(page, live)
    page.get_by_label("Add a video").set_input_files(str(upload))
    page.get_by_label("Title").fill("From my phone")
    page.get_by_role("button", name="Add video").click()
    expect(page.get_by_role("status")).to_contain_text("Your video was added.")
    expect(page.get_by_role("region", name="Your videos")).to_contain_text("From my phone")
    live.shot(page, "account-videos")
    page.locator(f"form[action='/account/drafts/{draft}/post'] select").select_option(
        "PUBLIC_TO_EVERYONE"
    )
    page.locator(f"form[action='/account/drafts/{draft}/post'] button").click()
    expect(page.get_by_role("status")).to_contain_text("The draft was posted.")
    expect(page.get_by_text("Drafts from apps")).to_have_count(0)
    page.goto(f"{live.url}/@alice")
    expect(page.locator("ul.videos li")).to_have_count(3)
