"""Video chunks on a real server go from the socket straight into a file, past ASGI's
messages: by the kernel (``splice``) outside emulator mode, through Python where the journal
hashes them. What a client sees must not change on either path: keep-alive and pipelined
PUTs, ``Expect: 100-continue``, a client that stops mid-chunk, a refused chunk."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.nodes import free_port, tokstack_node
from tests.media import clip, padded
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.services.tokens import issue_for_user
from tokstack.testing.handle import Tokstack
from tokstack.testing.server import EmulatorProcess
from tokstack.web.container import build, prepare_database

SCOPES = ["user.info.basic", "video.upload"]
MB = 1024 * 1024
BODY_TIMEOUT = 1.0


@dataclass
class Target:
    url: str
    staging: Path
    token: Callable[[], str]  # a fresh user's access token (init allows 6 a minute)
    journal: Callable[[], list[dict[str, object]]] | None  # emulator mode only


def _init(target: Target, size: int, chunk: int) -> tuple[str, str, str]:
    """A FILE_UPLOAD to drafts: its upload_url, the token and the publish_id."""
    token = target.token()
    answer = httpx.post(
        f"{target.url}/v2/post/publish/inbox/video/init/",
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
    return str(data["upload_url"]), token, str(data["publish_id"])


class _Seeder:
    """Users and tokens made in the plain server's database, as an operator's CLI would."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client_key = ""

    async def _run(self, fn: Callable[..., object]) -> str:
        container = build(self.settings)
        try:
            return str(await fn(container.ctx))  # type: ignore[misc]
        finally:
            await container.close()

    def app(self) -> None:
        async def make(ctx: object) -> str:
            dev = await accounts.create_developer(ctx, "Direct Dev")  # type: ignore[arg-type]
            made = await accounts.create_app(
                ctx, developer_id=dev.id, name="Direct", platform="web",  # type: ignore[arg-type]
                redirect_uri_list=["https://direct.example/cb/"], scope_list=SCOPES,
            )  # fmt: skip
            return made.app.client_key

        self.client_key = asyncio.run(self._run(make))

    def token(self) -> str:
        name = f"u{secrets.token_hex(4)}"

        async def make(ctx: object) -> str:
            await accounts.create_user(ctx, username=name, display_name=name, password="pw-" + name)  # type: ignore[arg-type]
            issued = await issue_for_user(
                ctx,
                client_key=self.client_key,
                username=name,
                requested=SCOPES,  # type: ignore[arg-type]
            )
            return str(issued["access_token"])

        return asyncio.run(self._run(make))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data = tmp_path_factory.mktemp("plain")
    key = secrets.token_urlsafe(32)
    settings = Settings(
        database_url="",
        data_dir=data,
        secret_key=key,
        _env_file=None,  # type: ignore[call-arg]
    )
    prepare_database(settings)
    seeder = _Seeder(settings)
    seeder.app()
    env = {
        "TOKSTACK_DATA_DIR": str(data),
        "TOKSTACK_DATABASE_URL": "",
        "TOKSTACK_SECRET_KEY": key,
        "TOKSTACK_BODY_TIMEOUT": str(BODY_TIMEOUT),  # plus 4 s a MB for a video chunk
    }
    with tokstack_node(env, free_port()) as url:
        yield Target(url, data / "staging", seeder.token, None)


@pytest.fixture(params=["splice", "emulator"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "splice":
        plain_target: Target = request.getfixturevalue("plain")
        return plain_target
    tokstack: Tokstack = request.getfixturevalue("tokstack")
    server: EmulatorProcess = request.getfixturevalue("tokstack_server")
    app = tokstack.app(scopes=SCOPES)

    def token() -> str:
        user = tokstack.user(f"direct{time.monotonic_ns()}")
        return tokstack.token(app, user, SCOPES).access_token

    def journal() -> list[dict[str, object]]:
        return [e["body"] for e in tokstack.requests(endpoint="post.upload")]

    return Target(tokstack.url, Path(server.folder) / "data" / "staging", token, journal)


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


def _stored_whole(target: Target, token: str, publish_id: str, video: bytes) -> None:
    """Processing took the upload, and the media in the blob store is the bytes sent."""
    for _ in range(200):
        status = httpx.post(
            f"{target.url}/v2/post/publish/status/fetch/",
            headers={"Authorization": f"Bearer {token}"},
            json={"publish_id": publish_id},
        ).json()["data"]
        if status["status"] != "PROCESSING_UPLOAD":
            break
        time.sleep(0.1)
    assert status["status"] == "SEND_TO_USER_INBOX", status
    want = hashlib.sha256(video).hexdigest()
    assert want in {_digest(path, len(video)) for path in target.staging.parent.glob("blobs/**/*")}


def _digest(path: Path, size: int) -> str | None:
    """A stored file's SHA-256 when it has ``size`` bytes (chunks of uploads still being
    processed may go while we look)."""
    try:
        if not path.is_file() or path.stat().st_size != size:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("pipelined", [False, True], ids=["keep-alive", "pipelined"])
def test_chunks_on_one_connection_arrive_whole(target: Target, pipelined: bool) -> None:
    video = padded(clip(1.0), 12 * MB)
    chunks = [video[: 5 * MB], video[5 * MB :]]  # the last takes the remainder
    upload_url, token, publish_id = _init(target, len(video), 5 * MB)
    requests = [_request(upload_url, chunks[0], 0, len(video))]
    requests.append(_request(upload_url, chunks[1], 5 * MB, len(video)))
    with _connect(target.url) as sock:
        if pipelined:
            sock.sendall(b"".join(requests))
            assert _answers(sock, 2) == [206, 201]
        else:
            for request, status in zip(requests, [206, 201], strict=True):
                sock.sendall(request)
                assert _answers(sock, 1) == [status]
        # the connection still serves the next request
        sock.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: {urlsplit(target.url).netloc}\r\n\r\n".encode()
        )
        assert _answers(sock, 1) == [200]
    _stored_whole(target, token, publish_id, video)
    if target.journal is not None:
        assert sorted((b["size"], b["sha256"]) for b in target.journal()) == sorted(
            (len(c), hashlib.sha256(c).hexdigest()) for c in chunks
        )


def test_a_client_that_stops_mid_chunk_leaves_nothing_behind(target: Target) -> None:
    video = padded(clip(1.0), 6 * MB)
    upload_url, _, _ = _init(target, len(video), len(video))
    whole = _request(upload_url, video, 0, len(video))
    with _connect(target.url) as sock:
        sock.sendall(whole[: len(whole) // 2])
        time.sleep(0.3)  # the route has taken the body's direct path by now
    deadline = time.monotonic() + 10
    while any(target.staging.glob("chunk-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(target.staging.glob("chunk-*")), "a half chunk was left in staging"
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


def test_a_refused_chunk_is_answered_without_its_body_being_kept(target: Target) -> None:
    """Out of order: 416 before any byte goes to a file; the connection stays usable."""
    video = padded(clip(1.0), 10 * MB)
    upload_url, _, _ = _init(target, len(video), 5 * MB)
    with _connect(target.url) as sock:
        sock.sendall(_request(upload_url, video[5 * MB :], 5 * MB, len(video)))
        assert _answers(sock, 1) == [416]
        sock.sendall(_request(upload_url, video[: 5 * MB], 0, len(video)))
        assert _answers(sock, 1) == [206]
    assert not any(target.staging.glob("chunk-*"))


def test_a_client_that_asks_to_continue_is_told_to(target: Target) -> None:
    """curl sends ``Expect: 100-continue`` with a large PUT and waits a second for it."""
    video = padded(clip(1.0), 6 * MB)
    upload_url, _, _ = _init(target, len(video), len(video))
    head, body = _request(upload_url, video, 0, len(video)).split(b"\r\n\r\n", 1)
    with _connect(target.url) as sock:
        sock.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        sock.settimeout(0.5)  # under curl's one second: the answer comes without waiting
        assert sock.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.settimeout(30)
        sock.sendall(body)
        assert _answers(sock, 1) == [201]


def test_a_chunk_that_stops_arriving_is_dropped_at_its_deadline(plain: Target) -> None:
    """A client that sends half a chunk and waits: the kernel's copy stops with the
    connection at the body's deadline (1 s + 4 s for 1 MB here); nothing stays behind."""
    video = padded(clip(1.0), 1 * MB)  # under 5 MB: one chunk
    upload_url, _, _ = _init(plain, len(video), len(video))
    whole = _request(upload_url, video, 0, len(video))
    started = time.monotonic()
    with _connect(plain.url) as sock:
        sock.sendall(whole[: len(whole) // 2])
        sock.settimeout(20)
        with pytest.raises(ConnectionResetError):
            while sock.recv(65536):
                pass
            raise ConnectionResetError  # closed cleanly: the same for the client
    waited = time.monotonic() - started
    assert BODY_TIMEOUT + 4 - 0.5 < waited < BODY_TIMEOUT + 4 + 5, waited
    deadline = time.monotonic() + 5
    while any(plain.staging.glob("chunk-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(plain.staging.glob("chunk-*"))


def test_sixteen_uploads_at_once_each_arrive_whole(target: Target) -> None:
    """Chunks of different uploads interleave on the server's workers; each file is its own."""
    videos = [padded(clip(1.0), (2 + n % 3) * MB) for n in range(16)]
    started = [_init(target, len(v), len(v)) for v in videos]

    def send(n: int) -> list[int]:
        with _connect(target.url) as sock:
            for piece in _pieces(_request(started[n][0], videos[n], 0, len(videos[n]))):
                sock.sendall(piece)
            return _answers(sock, 1)

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(send, range(16))) == [[201]] * 16
    for (_, token, publish_id), video in zip(started, videos, strict=True):
        _stored_whole(target, token, publish_id, video)


def _pieces(request: bytes, size: int = 256 * 1024) -> list[bytes]:
    """A request in pieces, so that uploads sent at once interleave."""
    return [request[at : at + size] for at in range(0, len(request), size)]
