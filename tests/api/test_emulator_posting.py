"""Emulator mode covers the Content Posting API: a fault on the processing step, faults on
the endpoints, the journal (a PUT's media kept by size and hash), and PULL_FROM_URL from a
local server (loopback is allowed only in emulator mode; redirects never followed)."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api.posting_helpers import (
    INIT,
    Poster,
    file_source,
    post,
    poster,
    process,
    status,
)
from tests.conftest import World, emulator_server
from tests.media import clip
from tokstack.web.container import Container


@pytest.fixture
async def emulated(tmp_path: Path) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    async with emulator_server(tmp_path / "emulator") as both:
        yield both


class _Files(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` by path; ``/moved.mp4`` redirects (a pull must not follow it)."""

    files: dict[str, bytes] = {}

    def do_GET(self) -> None:
        if self.path == "/moved.mp4":
            self.send_response(302)
            self.send_header("Location", "/clip.mp4")
            self.end_headers()
            return
        found = self.files.get(self.path)
        if found is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(found)))
        self.end_headers()
        self.wfile.write(found)

    def log_message(self, *args: object) -> None:
        pass


def _serve(files: dict[str, bytes]) -> Iterator[str]:
    _Files.files = files
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def files() -> Iterator[str]:
    yield from _serve({"/clip.mp4": clip()})


async def test_the_next_publish_fails_as_a_fault_says(
    emulated: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = emulated
    who = await poster(World(container.ctx))
    rule = {"endpoint": "post.process", "error": "frame_rate_check_failed", "times": 1}
    assert (await client.post("/_tokstack/faults", json=rule)).status_code == 201
    failing = await post(client, who, clip())
    await process(container)
    passing = await post(client, who, clip())
    await process(container)
    assert (await status(client, who, failing))["fail_reason"] == "frame_rate_check_failed"
    assert (await status(client, who, passing))["status"] == "PUBLISH_COMPLETE"
    wrong = {"endpoint": "post.process", "latency_ms": 100}
    assert (await client.post("/_tokstack/faults", json=wrong)).status_code == 400


async def test_faults_on_posting_endpoints(
    emulated: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = emulated
    who = await poster(World(container.ctx))
    rule = {"endpoint": "post.video.init", "error": "spam_risk_too_many_posts", "times": 1}
    assert (await client.post("/_tokstack/faults", json=rule)).status_code == 201
    body = {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file_source(10)}
    refused = await client.post(INIT, json=body, headers=who.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "spam_risk_too_many_posts"
    assert (await client.post(INIT, json=body, headers=who.headers)).status_code == 200


async def test_the_journal_keeps_a_puts_size_and_hash(
    emulated: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = emulated
    who = await poster(World(container.ctx))
    video = clip()
    await post(client, who, video)
    (entry,) = (await client.get("/_tokstack/requests?endpoint=post.upload")).json()["requests"]
    assert entry["body"] == {"size": len(video), "sha256": hashlib.sha256(video).hexdigest()}
    assert entry["status"] == 201 and entry["query"]["upload_token"] == "[redacted]"
    (init,) = (await client.get("/_tokstack/requests?endpoint=post.video.init")).json()["requests"]
    assert "upload_token=%5Bredacted%5D" in init["response"]["data"]["upload_url"]


async def pull(client: httpx.AsyncClient, who: Poster, url: str) -> httpx.Response:
    body = {
        "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": url},
    }
    return await client.post(INIT, json=body, headers=who.headers)


async def test_pull_from_url(emulated: tuple[Container, httpx.AsyncClient], files: str) -> None:
    container, client = emulated
    who = await poster(World(container.ctx), prefixes=(f"{files}/",))
    answer = await pull(client, who, f"{files}/clip.mp4")
    assert answer.status_code == 200, answer.text
    publish_id = answer.json()["data"]["publish_id"]
    assert publish_id.startswith("v_pub_url~v2.") and "upload_url" not in answer.json()["data"]
    assert (await status(client, who, publish_id))["status"] == "PROCESSING_DOWNLOAD"
    await process(container)
    done = await status(client, who, publish_id)
    assert done["status"] == "PUBLISH_COMPLETE" and done["downloaded_bytes"] == len(clip())
    moved = (await pull(client, who, f"{files}/moved.mp4")).json()["data"]["publish_id"]
    await process(container)
    refused = await status(client, who, moved)
    assert refused["status"] == "FAILED" and refused["fail_reason"] == "video_pull_failed"
    unverified = await pull(client, who, "https://elsewhere.example/clip.mp4")
    assert unverified.status_code == 403
    assert unverified.json()["error"]["code"] == "url_ownership_unverified"


def _image(kind: str, size: tuple[int, int] = (1080, 1080)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind)
    return out.getvalue()


@pytest.fixture
def images() -> Iterator[str]:
    yield from _serve(
        {
            "/a.jpg": _image("JPEG"),
            "/b.webp": _image("WEBP", (1920, 1080)),
            "/c.png": _image("PNG"),
            "/big.jpg": _image("JPEG", (2000, 1500)),
        }
    )


async def photos(
    client: httpx.AsyncClient, who: Poster, urls: list[str], mode: str = "DIRECT_POST",
    privacy: str = "PUBLIC_TO_EVERYONE", **source: object,
) -> httpx.Response:  # fmt: skip
    body = {
        "media_type": "PHOTO",
        "post_mode": mode,
        "post_info": {"title": "trip", "description": "three days", "privacy_level": privacy},
        "source_info": {"source": "PULL_FROM_URL", "photo_images": urls, **source},
    }
    return await client.post("/v2/post/publish/content/init/", json=body, headers=who.headers)


async def test_photo_posts(emulated: tuple[Container, httpx.AsyncClient], images: str) -> None:
    container, client = emulated
    who = await poster(World(container.ctx), prefixes=(f"{images}/",))
    posted = await photos(client, who, [f"{images}/a.jpg", f"{images}/b.webp"])
    assert posted.status_code == 200, posted.text
    publish_id = posted.json()["data"]["publish_id"]
    assert publish_id.startswith("p_pub_url~v2.")
    await process(container)
    done = await status(client, who, publish_id)
    assert done["status"] == "PUBLISH_COMPLETE" and len(done["publicaly_available_post_id"]) == 1
    assert done["downloaded_bytes"] == len(_Files.files["/a.jpg"]) + len(_Files.files["/b.webp"])
    drafted = await photos(client, who, [f"{images}/a.jpg"], mode="MEDIA_UPLOAD")
    assert drafted.json()["data"]["publish_id"].startswith("p_inbox_url~v2.")
    await process(container)
    inbox = await status(client, who, drafted.json()["data"]["publish_id"])
    assert inbox["status"] == "SEND_TO_USER_INBOX"
    for path, reason in (("/c.png", "file_format_check_failed"),
                         ("/big.jpg", "picture_size_check_failed"),
                         ("/gone.jpg", "video_pull_failed")):  # fmt: skip
        failing = await photos(client, who, [f"{images}/a.jpg", f"{images}{path}"])
        await process(container)
        failed = await status(client, who, failing.json()["data"]["publish_id"])
        assert (failed["status"], failed.get("fail_reason")) == ("FAILED", reason), path


async def test_photo_post_bodies(emulated: tuple[Container, httpx.AsyncClient]) -> None:
    container, client = emulated
    world = World(container.ctx)
    who = await poster(world, prefixes=("https://cdn.example/",))
    url = "https://cdn.example/a.jpg"
    for urls, extra in (([], {}), ([url] * 36, {}), ([url], {"photo_cover_index": 1})):
        refused = await photos(client, who, urls, **extra)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_params"
    elsewhere = await photos(client, who, ["https://other.example/a.jpg"])
    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"]["code"] == "url_ownership_unverified"
    unaudited = await poster(world, audited=False, prefixes=("https://cdn.example/",),
                             username="bob")  # fmt: skip
    public = await photos(client, unaudited, [url])
    assert public.status_code == 403
    assert public.json()["error"]["code"] == "unaudited_client_can_only_post_to_private_accounts"
