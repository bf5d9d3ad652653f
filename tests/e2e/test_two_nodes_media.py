"""Two nodes with nothing on a shared disk: PostgreSQL, Redis and an S3 blob store (SeaweedFS)
shared, each node its own data directory. An upload whose chunks reach different nodes, and
an avatar uploaded on one node served by the other."""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api.test_portal import csrf_of
from tests.e2e.nodes import free_port, shared_backends, tokstack_node
from tests.media import clip, padded
from tests.services import (
    S3_ACCESS,
    S3_SECRET,
    SeaweedS3,
    seaweed,  # noqa: F401 - the fixture
)
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.services.tokens import issue_for_user
from tokstack.web.container import build, prepare_database

MB = 1024 * 1024
SCOPES = ["user.info.basic", "user.info.profile", "video.list", "video.publish"]


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory,
    seaweed: SeaweedS3,  # noqa: F811
) -> Iterator[dict[str, str]]:
    with shared_backends() as env:
        yield {
            **env,
            "TOKSTACK_BLOB_URL": seaweed.url(f"nodes{secrets.token_hex(4)}"),
            "TOKSTACK_BLOB_ACCESS_KEY": S3_ACCESS,
            "TOKSTACK_BLOB_SECRET_KEY": S3_SECRET,
        }


def _settings(shared: dict[str, str], data_dir: Path) -> Settings:
    return Settings(
        database_url=shared["TOKSTACK_DATABASE_URL"],
        secret_key=shared["TOKSTACK_SECRET_KEY"],
        blob_url=shared["TOKSTACK_BLOB_URL"],
        blob_access_key=S3_ACCESS,
        blob_secret_key=S3_SECRET,
        data_dir=data_dir,
        _env_file=None,  # type: ignore[call-arg]
    )


async def _seed(settings: Settings) -> str:
    prepare_database(settings)  # the bucket
    container = build(settings)
    try:
        ctx = container.ctx
        dev = await accounts.create_developer(ctx, "Media Dev")
        made = await accounts.create_app(
            ctx, developer_id=dev.id, name="Media App", platform="web",
            redirect_uri_list=["https://media.example/cb/"], scope_list=SCOPES, audited=True,
        )  # fmt: skip
        await accounts.create_user(
            ctx, username="alice", display_name="Alice", password="alice-password"
        )
        issued = await issue_for_user(
            ctx, client_key=made.app.client_key, username="alice", requested=SCOPES
        )
    finally:
        await container.close()
    return str(issued["access_token"])


@pytest.fixture(scope="module")
def token(shared: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    return asyncio.run(_seed(_settings(shared, tmp_path_factory.mktemp("seeder"))))


@pytest.fixture(scope="module")
def nodes(
    shared: dict[str, str], token: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    own_a = {**shared, "TOKSTACK_DATA_DIR": str(tmp_path_factory.mktemp("node-a"))}
    own_b = {**shared, "TOKSTACK_DATA_DIR": str(tmp_path_factory.mktemp("node-b"))}
    with tokstack_node(own_a, free_port()) as a, tokstack_node(own_b, free_port()) as b:
        yield a, b


@pytest.fixture
async def clients(nodes: tuple[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    async with (
        httpx.AsyncClient(base_url=nodes[0], timeout=60) as a,
        httpx.AsyncClient(base_url=nodes[1], timeout=60) as b,
    ):
        yield a, b


async def test_an_upload_whose_chunks_reach_different_nodes(
    clients: tuple[httpx.AsyncClient, ...], nodes: tuple[str, str], token: str
) -> None:
    a, b = clients
    headers = {"Authorization": f"Bearer {token}"}
    video = padded(clip(2.0), 16 * MB)  # three chunks: 5, 5 and 6 MB
    init = await a.post(
        "/v2/post/publish/video/init/",
        headers=headers,
        json={
            "post_info": {"title": "across nodes", "privacy_level": "PUBLIC_TO_EVERYONE"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": len(video),
                            "chunk_size": 5 * MB, "total_chunk_count": 3},
        },
    )  # fmt: skip
    assert init.status_code == 200, init.text
    data = init.json()["data"]
    path = data["upload_url"].split("/upload/video/", 1)[1]
    spans = [(0, 5 * MB - 1), (5 * MB, 10 * MB - 1), (10 * MB, len(video) - 1)]
    for node, (first, last) in zip((a, b, a), spans, strict=True):
        answer = await node.put(
            f"/upload/video/{path}",
            content=video[first : last + 1],
            headers={"Content-Range": f"bytes {first}-{last}/{len(video)}"},
        )
        assert answer.status_code in (201, 206), answer.text
    status = ""
    for _ in range(100):  # either node's publisher takes the job
        fetched = await b.post(
            "/v2/post/publish/status/fetch/", headers=headers,
            json={"publish_id": data["publish_id"]},
        )  # fmt: skip
        status = fetched.json()["data"]["status"]
        if status != "PROCESSING_UPLOAD":
            break
        await asyncio.sleep(0.2)
    assert status == "PUBLISH_COMPLETE", fetched.text
    listed = await a.post(
        "/v2/video/list/?fields=id,cover_image_url,duration", headers=headers, json={}
    )
    (shown,) = listed.json()["data"]["videos"]
    assert shown["duration"] == 2
    for node in (a, b):  # the cover, cut on one node, is in the shared store
        cover = await node.get("/obj/" + shown["cover_image_url"].split("/obj/", 1)[1])
        assert cover.status_code == 200 and cover.content[:2] == b"\xff\xd8"


async def test_an_avatar_uploaded_on_one_node_is_served_by_the_other(
    clients: tuple[httpx.AsyncClient, ...], token: str
) -> None:
    a, b = clients
    login = await csrf_of(a, "/account/login")
    signed_in = await a.post(
        "/account/login",
        data={"csrf": login, "username": "alice", "password": "alice-password"},
    )
    assert signed_in.status_code == 303
    picture = io.BytesIO()
    Image.new("RGB", (300, 300), (250, 200, 0)).save(picture, "PNG")
    sent = await a.post(
        "/account/avatar",
        data={"csrf": await csrf_of(a, "/account/")},
        files={"avatar": ("me.png", picture.getvalue(), "image/png")},
    )
    assert sent.status_code == 303, sent.text
    info = await b.get(
        "/v2/user/info/?fields=avatar_url", headers={"Authorization": f"Bearer {token}"}
    )
    url = info.json()["data"]["user"]["avatar_url"]
    served = await b.get("/" + url.split("/", 3)[3])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).convert("RGB").getpixel((50, 50))[0] > 200
