"""Transport bounds on a real server (uvicorn with tokstack's protocol): header size, slow
clients, oversized bodies, and the headers every answer carries."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.nodes import free_port, tokstack_node
from tokstack.web.protocol import MAX_HEAD

TIMEOUT = 1.0  # TOKSTACK_HEADER_TIMEOUT and TOKSTACK_BODY_TIMEOUT of the server under test


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        "TOKSTACK_DATA_DIR": str(tmp_path_factory.mktemp("limits")),
        "TOKSTACK_DATABASE_URL": "",
        "TOKSTACK_HEADER_TIMEOUT": str(TIMEOUT),
        "TOKSTACK_BODY_TIMEOUT": str(TIMEOUT),
    }
    with tokstack_node(env, port) as url:
        yield url, port


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (reads until EOF)."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (TimeoutError, ConnectionResetError):
        if time.monotonic() - start >= seconds:
            raise AssertionError(f"still open after {seconds}s") from None
    return time.monotonic() - start


def test_no_server_header_and_a_date(server: tuple[str, int]) -> None:
    response = httpx.get(f"{server[0]}/healthz")
    assert response.status_code == 200
    assert "server" not in response.headers
    assert "date" in response.headers


def test_an_oversized_head_is_refused_with_431_and_closed(server: tuple[str, int]) -> None:
    sock = connect(server[1])
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MAX_HEAD + 10))
    answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431 ")
    closed_within(sock, 2)


def test_a_long_url_counts_too(server: tuple[str, int]) -> None:
    sock = connect(server[1])
    sock.sendall(b"GET /healthz?" + b"a" * (MAX_HEAD + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 431 ")


def test_a_head_under_the_limit_is_served(server: tuple[str, int]) -> None:
    response = httpx.get(f"{server[0]}/healthz", headers={"x-pad": "a" * (MAX_HEAD // 2)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connected, says nothing
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",  # half a head
        b"POST /v2/oauth/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nclient_",
    ],
    ids=["idle", "half-head", "half-body"],
)
def test_slow_clients_are_disconnected(server: tuple[str, int], sent: bytes) -> None:
    sock = connect(server[1])
    sock.sendall(sent)
    waited = closed_within(sock, TIMEOUT + 3)
    assert waited >= TIMEOUT * 0.5


def test_many_slow_clients_do_not_stop_the_others(server: tuple[str, int]) -> None:
    slow = [connect(server[1]) for _ in range(200)]
    for sock in slow:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    try:
        start = time.monotonic()
        assert httpx.get(f"{server[0]}/healthz", timeout=5).status_code == 200
        assert time.monotonic() - start < 1
    finally:
        for sock in slow:
            sock.close()


def test_a_huge_declared_body_is_answered_413_without_being_read(
    server: tuple[str, int],
) -> None:
    sock = connect(server[1])
    sock.sendall(
        b"POST /v2/oauth/token/ HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 300000000\r\n\r\n" + b"x" * 65536
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
    sent = 0  # the server stops reading: sending the 300 MB fails long before the end
    sock.settimeout(5)
    with pytest.raises(OSError):
        while sent < 300_000_000:
            sent += sock.send(b"x" * 1_048_576)
    assert sent < 300_000_000


def test_a_body_over_the_limit_without_length_is_413(server: tuple[str, int]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 1024

    response = httpx.post(f"{server[0]}/v2/oauth/revoke/", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("size", [40 * 1024, 1024 * 1024])
def test_a_bodys_bytes_are_not_counted_as_a_head(server: tuple[str, int], size: int) -> None:
    """Two bodies on one connection, each request sent in one write: a read that held a
    whole request, or a body's end, once counted toward the head's 32 KB (431)."""
    _, port = server
    body = b"x" * size
    head = (
        b"PUT /upload/video/?upload_id=x&upload_token=1.x HTTP/1.1\r\nHost: t\r\n"
        b"Content-Range: bytes 0-" + str(size - 1).encode() + b"/" + str(size).encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with connect(port) as sock:
        for _ in range(2):
            sock.sendall(head + body)
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 403"), answer[:100]  # the URL is forged
            length = int(answer.split(b"content-length: ")[1].split(b"\r\n")[0])
            rest = answer.split(b"\r\n\r\n", 1)[1]
            while len(rest) < length:
                rest += sock.recv(65536)
