"""Video chunks on a real server go from the socket straight into a file (the protocol's
``tokstack.body_to_file``), past ASGI's messages: what a client sees must not change.
Keep-alive and pipelined PUTs, a client that stops mid-chunk, the journal's size and hash."""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.media import clip, padded
from tokstack.testing.handle import Tokstack
from tokstack.testing.server import EmulatorProcess

SCOPES = ["user.info.basic", "video.upload"]
MB = 1024 * 1024


def _init(tokstack: Tokstack, size: int, chunk: int) -> tuple[str, str]:
    """A FILE_UPLOAD to drafts: (publish_id, upload_url)."""
    app = tokstack.app(scopes=SCOPES)
    user = tokstack.user(f"direct{time.monotonic_ns()}")
    token = tokstack.token(app, user, SCOPES).access_token
    answer = httpx.post(
        f"{tokstack.url}/v2/post/publish/inbox/video/init/",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": size,
                "chunk_size": chunk,
                "total_chunk_count": size // chunk,
            }
        },
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    return data["publish_id"], data["upload_url"]


def _request(upload_url: str, body: bytes, first: int, total: int) -> bytes:
    parts = urlsplit(upload_url)
    last = first + len(body) - 1
    return (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: video/mp4\r\nContent-Range: bytes {first}-{last}/{total}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _answers(sock: socket.socket, count: int) -> list[int]:
    """The statuses of ``count`` answers read from one connection."""
    statuses, buffer = [], b""
    while len(statuses) < count:
        while b"\r\n\r\n" not in buffer:
            piece = sock.recv(65536)
            assert piece, f"closed after {statuses}"
            buffer += piece
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        statuses.append(int(head.split(b" ", 2)[1]))
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(buffer) < length:
            buffer += sock.recv(65536)
        buffer = buffer[length:]
    return statuses


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)


@pytest.mark.parametrize("pipelined", [False, True], ids=["keep-alive", "pipelined"])
def test_chunks_on_one_connection_arrive_whole_and_are_journaled(
    tokstack: Tokstack, pipelined: bool
) -> None:
    video = padded(clip(1.0), 12 * MB)
    chunks = [video[: 5 * MB], video[5 * MB :]]  # the last takes the remainder
    _, upload_url = _init(tokstack, len(video), 5 * MB)
    requests = [_request(upload_url, chunks[0], 0, len(video))]
    requests.append(_request(upload_url, chunks[1], 5 * MB, len(video)))
    with _connect(tokstack.url) as sock:
        if pipelined:
            sock.sendall(b"".join(requests))
            assert _answers(sock, 2) == [206, 201]
        else:
            for request, status in zip(requests, [206, 201], strict=True):
                sock.sendall(request)
                assert _answers(sock, 1) == [status]
    journaled = [e["body"] for e in tokstack.requests(endpoint="post.upload")]
    assert sorted((b["size"], b["sha256"]) for b in journaled) == sorted(
        (len(c), hashlib.sha256(c).hexdigest()) for c in chunks
    )


def test_a_client_that_stops_mid_chunk_leaves_nothing_behind(
    tokstack: Tokstack, tokstack_server: EmulatorProcess
) -> None:
    video = padded(clip(1.0), 6 * MB)
    _, upload_url = _init(tokstack, len(video), len(video))
    staging = Path(tokstack_server.folder) / "data" / "staging"
    whole = _request(upload_url, video, 0, len(video))
    with _connect(tokstack.url) as sock:
        sock.sendall(whole[: len(whole) // 2])
        time.sleep(0.3)  # the route has taken the body's direct path by now
    deadline = time.monotonic() + 10
    while any(staging.glob("chunk-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(staging.glob("chunk-*")), "a half chunk was left in staging"
    # the half chunk did not count: the whole one is still awaited, and taken
    answer = httpx.put(
        upload_url,
        content=video,
        headers={
            "Content-Type": "video/mp4",
            "Content-Range": f"bytes 0-{len(video) - 1}/{len(video)}",
        },
    )
    assert answer.status_code == 201, answer.text


def test_a_refused_chunk_is_answered_without_its_body_being_kept(
    tokstack: Tokstack, tokstack_server: EmulatorProcess
) -> None:
    """Out of order: 416 before any byte goes to a file; the connection stays usable."""
    video = padded(clip(1.0), 10 * MB)
    _, upload_url = _init(tokstack, len(video), 5 * MB)
    with _connect(tokstack.url) as sock:
        sock.sendall(_request(upload_url, video[5 * MB :], 5 * MB, len(video)))
        assert _answers(sock, 1) == [416]
        sock.sendall(_request(upload_url, video[: 5 * MB], 0, len(video)))
        assert _answers(sock, 1) == [206]
    assert not any((Path(tokstack_server.folder) / "data" / "staging").glob("chunk-*"))


def test_a_client_that_asks_to_continue_is_told_to(tokstack: Tokstack) -> None:
    """curl sends ``Expect: 100-continue`` with a large PUT and waits a second for it."""
    video = padded(clip(1.0), 6 * MB)
    _, upload_url = _init(tokstack, len(video), len(video))
    head, body = _request(upload_url, video, 0, len(video)).split(b"\r\n\r\n", 1)
    with _connect(tokstack.url) as sock:
        sock.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        sock.settimeout(0.5)  # under curl's one second: the answer comes without waiting
        assert sock.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.settimeout(30)
        sock.sendall(body)
        assert _answers(sock, 1) == [201]
