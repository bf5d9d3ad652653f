"""Shared steps of the Content Posting API tests: an app allowed to post, a token, an upload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import PUBLIC_URL, World
from tokstack.web.container import Container

SCOPES = "user.info.basic,user.info.stats,video.list,video.publish,video.upload"
INIT = "/v2/post/publish/video/init/"
INBOX = "/v2/post/publish/inbox/video/init/"
STATUS = "/v2/post/publish/status/fetch/"


@dataclass
class Poster:
    client_key: str
    app_id: int
    headers: dict[str, str]


async def poster(
    world: World, *, audited: bool = True, webhook_url: str | None = None,
    prefixes: tuple[str, ...] = (), username: str = "alice", **user: str,
) -> Poster:  # fmt: skip
    developer = await world.developer()
    made = await world.app(developer, scopes=SCOPES, webhook_url=webhook_url)
    async with world.ctx.store.unit() as unit:
        await unit.apps.update(made.app.id, audited=audited, url_prefixes=prefixes)
    await world.user(username, **user)
    tokens = await world.token(made.app.client_key, username, SCOPES)
    return Poster(
        made.app.client_key, made.app.id, {"Authorization": f"Bearer {tokens['access_token']}"}
    )


def file_source(size: int, chunk: int | None = None) -> dict[str, Any]:
    chunk = chunk or size
    return {
        "source": "FILE_UPLOAD",
        "video_size": size,
        "chunk_size": chunk,
        "total_chunk_count": max(1, size // chunk),
    }


def put_headers(first: int, last: int, total: int) -> dict[str, str]:
    return {"Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{last}/{total}"}


async def upload_whole(
    client: httpx.AsyncClient, upload_url: str, video: bytes, chunk: int | None = None
) -> list[int]:
    """PUTs the video in TikTok's chunks; the statuses answered."""
    chunk = chunk or len(video)
    count = max(1, len(video) // chunk)
    statuses = []
    for index in range(count):
        first = index * chunk
        last = len(video) - 1 if index == count - 1 else first + chunk - 1
        answer = await client.put(
            upload_url.removeprefix(PUBLIC_URL),
            content=video[first : last + 1],
            headers=put_headers(first, last, len(video)),
        )
        statuses.append(answer.status_code)
    return statuses


async def post(
    client: httpx.AsyncClient, who: Poster, video: bytes, privacy: str = "PUBLIC_TO_EVERYONE",
    **post_info: Any,
) -> str:  # fmt: skip
    body = {
        "post_info": {"title": "hello #tokstack", "privacy_level": privacy, **post_info},
        "source_info": file_source(len(video)),
    }
    answer = await client.post(INIT, json=body, headers=who.headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert await upload_whole(client, data["upload_url"], video) == [201]
    return str(data["publish_id"])


async def status(client: httpx.AsyncClient, who: Poster, publish_id: str) -> dict[str, Any]:
    answer = await client.post(STATUS, json={"publish_id": publish_id}, headers=who.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


async def process(container: Container) -> int:
    assert container.publisher is not None
    return await container.publisher.run_once()


async def upload_draft(client: httpx.AsyncClient, who: Poster, video: bytes) -> str:
    """An upload to the creator's inbox, all bytes sent; its publish_id."""
    body = {"source_info": file_source(len(video))}
    answer = await client.post(INBOX, json=body, headers=who.headers)
    data = answer.json()["data"]
    assert await upload_whole(client, data["upload_url"], video) == [201]
    return str(data["publish_id"])
