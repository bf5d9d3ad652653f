"""``tokstack video list`` and ``tokstack video delete``, on videos a seed document made."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.media import clip
from tests.test_cli import env, ok  # noqa: F401 - the fixture
from tokstack.cli.main import cli
from tokstack.cli.runtime import load_settings
from tokstack.services import seed_sources
from tokstack.services.seeding import apply
from tokstack.web.container import build

runner = CliRunner()
SEED = """
videos:
  - {user: dora, title: old, create_time: 1700000000, likes: 4}
  - {user: dora, title: hidden, create_time: 1700000100, privacy_level: SELF_ONLY}
"""


def seed_videos(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(SEED)

    async def main() -> None:
        container = build(load_settings())
        try:
            await apply(container.ctx, seed_sources.from_file(tmp_path / "seed.yaml"))
        finally:
            await container.close()

    asyncio.run(main())


def test_list_and_delete(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    ok("user", "create", "--username", "dora", "--display-name", "Dora")
    seed_videos(tmp_path)
    listed = runner.invoke(cli, ["video", "list", "--username", "dora", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["title"], r["privacy_level"]) for r in rows] == [
        ("hidden", "SELF_ONLY"), ("old", "PUBLIC_TO_EVERYONE"),
    ]  # fmt: skip
    assert rows[1]["like_count"] == 4 and rows[1]["source"] == "seed" and "cover_key" not in rows[1]
    covers = list((tmp_path / "blobs").rglob("cover-*"))
    assert len(covers) == 2
    assert ok("video", "delete", "--id", rows[0]["id"]) == {"id": rows[0]["id"], "deleted": True}
    assert len(list((tmp_path / "blobs").rglob("cover-*"))) == 1
    again = runner.invoke(cli, ["video", "delete", "--id", rows[0]["id"]])
    assert again.exit_code == 1 and "no video" in again.output
    nobody = runner.invoke(cli, ["video", "list", "--username", "nobody"])
    assert nobody.exit_code == 1 and "no user named 'nobody'" in nobody.output


@pytest.mark.parametrize("args", [["video"], ["video", "list"], ["video", "delete"]])
def test_usage_errors(env: dict[str, str], args: list[str]) -> None:  # noqa: F811
    result = runner.invoke(cli, args)
    assert result.exit_code == 2


def test_create_from_a_media_file(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    ok("user", "create", "--username", "emil", "--display-name", "Emil")
    source = tmp_path / "clip.mp4"
    source.write_bytes(clip(2.0, 480, 480, 24))
    made = runner.invoke(
        cli,
        ["video", "create", "--username", "emil", "--file", str(source), "--title", "hi",
         "--likes", "7", "--privacy", "SELF_ONLY", "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    video = json.loads(made.stdout)
    assert (video["duration"], video["width"], video["height"]) == (2, 480, 480)
    assert video["like_count"] == 7 and video["source"] == "cli" and video["id"].isdigit()
    assert source.exists()  # copied, not moved
    stored = [p for p in (tmp_path / "blobs").rglob("vm*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == source.read_bytes()
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    refused = runner.invoke(cli, ["video", "create", "--username", "emil", "--file", str(text)])
    assert refused.exit_code == 1 and "not a video" in refused.output
    assert [p for p in (tmp_path / "blobs").rglob("vm*") if p.is_file()] == stored
