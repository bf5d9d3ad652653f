"""The video storage contract, on SQLite and PostgreSQL (the ``store`` fixture of the main
storage suite)."""

from __future__ import annotations

import pytest

from tests.contract.test_storage import NOW, seed, store  # noqa: F401 - the fixture
from tokstack.domain.videos import Video, new_id
from tokstack.errors import Conflict
from tokstack.storage.sql.repos import SqlStore


def video(user_id: int, at: int, privacy: str = "PUBLIC_TO_EVERYONE", **extra: object) -> Video:
    values: dict[str, object] = {
        "id": new_id(), "user_id": user_id, "create_time": at, "title": f"t{at}",
        "description": "", "duration": 3, "width": 720, "height": 1280,
        "privacy_level": privacy, "like_count": 1, "comment_count": 2, "share_count": 3,
        "view_count": 4, "is_aigc": False, "source": "cli",
    }  # fmt: skip
    return Video(**(values | extra))  # type: ignore[arg-type]


async def test_pages_newest_first_public_only(store: SqlStore) -> None:  # noqa: F811
    _, _, user_id, _ = await seed(store)
    made = [video(user_id, NOW + i) for i in range(25)]
    private = video(user_id, NOW + 100, "SELF_ONLY")
    async with store.unit() as unit:
        for one in [*made, private]:
            await unit.videos.add(one)
    async with store.read() as unit:
        first = await unit.videos.page(user_id, None, 20)
        rest = await unit.videos.page(user_id, first[-1].create_time, 20)
        everything = await unit.videos.page(user_id, None, 50, public_only=False)
        assert await unit.videos.count_public(user_id) == 25
    newest = sorted(made, key=lambda v: v.create_time, reverse=True)
    assert first == newest[:20] and rest == newest[20:]
    assert everything[0] == private and len(everything) == 26


async def test_lookup_by_ids_is_the_users_own_in_the_asked_order(store: SqlStore) -> None:  # noqa: F811
    _, _, user_id, _ = await seed(store)
    async with store.unit() as unit:
        other = await unit.users.add(username="bob", display_name="Bob", password_hash=None,
                                     bio_description="", is_verified=False, now=NOW)  # fmt: skip
        mine = [await unit.videos.add(video(user_id, NOW + i)) for i in range(3)]
        theirs = await unit.videos.add(video(other.id, NOW))
    ids = [mine[2].id, theirs.id, "1234", mine[0].id]
    async with store.read() as unit:
        found = await unit.videos.of_user(user_id, ids)
    assert found == [mine[2], mine[0]]


async def test_ids_are_unique_and_removal_returns_the_video(store: SqlStore) -> None:  # noqa: F811
    _, _, user_id, _ = await seed(store)
    one = video(user_id, NOW, is_aigc=True, media_key="m", cover_key="c")
    async with store.unit() as unit:
        await unit.videos.add(one)
    with pytest.raises(Conflict):
        async with store.unit() as unit:
            await unit.videos.add(one)
    async with store.unit() as unit:
        assert await unit.videos.get(one.id) == one
        assert await unit.videos.remove(one.id) == one
        assert await unit.videos.remove(one.id) is None
