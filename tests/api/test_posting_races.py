"""Races, raced: many PUTs of the same chunk at once count it once; many workers claiming
ready publishes at once process each one once."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.posting_helpers import INIT, file_source, poster, put_headers, status
from tests.conftest import PUBLIC_URL, World
from tests.media import clip, padded
from tokstack.services.publisher import Publisher
from tokstack.web.container import Container

MB = 1024 * 1024
TRIALS = 10


async def test_the_same_chunk_put_at_once_is_counted_once(
    client: httpx.AsyncClient, world: World
) -> None:
    who = await poster(world)
    video = padded(clip(), 10 * MB)  # two chunks of 5 MB
    body = {
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": file_source(len(video), 5 * MB),
    }
    for trial in range(TRIALS):
        if trial % 5 == 0:  # 6 inits a minute per token
            who = await poster(world, username=f"racer{trial}")
        data = (await client.post(INIT, json=body, headers=who.headers)).json()["data"]
        url = data["upload_url"].removeprefix(PUBLIC_URL)
        first = video[: 5 * MB]
        answers = await asyncio.gather(
            *(client.put(url, content=first, headers=put_headers(0, 5 * MB - 1, len(video)))
              for _ in range(8))
        )  # fmt: skip
        codes = sorted(a.status_code for a in answers)
        assert codes == [206] + [416] * 7, codes
        assert (await status(client, who, data["publish_id"]))["uploaded_bytes"] == 5 * MB


async def test_workers_racing_for_jobs_process_each_once(
    client: httpx.AsyncClient, container: Container, world: World
) -> None:
    who = await poster(world, webhook_url="https://app.example/hooks")
    ids = []
    for index in range(5):
        video = clip()
        body = {"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE", "title": f"race {index}"},
                "source_info": file_source(len(video))}  # fmt: skip
        data = (await client.post(INIT, json=body, headers=who.headers)).json()["data"]
        put = await client.put(
            data["upload_url"].removeprefix(PUBLIC_URL), content=video,
            headers=put_headers(0, len(video) - 1, len(video)),
        )  # fmt: skip
        assert put.status_code == 201
        ids.append(data["publish_id"])
    ctx = container.ctx
    staging = container.settings.data_dir / "staging"
    workers = [Publisher(ctx, ctx.avatars.blobs, staging) for _ in range(6)]
    taken = await asyncio.gather(*(worker.run_once() for worker in workers))
    assert sum(taken) == 5  # each publish claimed by exactly one worker
    for publish_id in ids:
        assert (await status(client, who, publish_id))["status"] == "PUBLISH_COMPLETE"
    listed = await client.post("/v2/video/list/?fields=title", json={}, headers=who.headers)
    assert sorted(v["title"] for v in listed.json()["data"]["videos"]) == [
        f"race {i}" for i in range(5)
    ]
    async with ctx.store.unit() as unit:
        events = await unit.webhooks.claim_due(ctx.clock.now(), 60, 100)
    assert len(events) == 10  # complete and publicly_available, once per publish
