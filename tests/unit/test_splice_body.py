"""The kernel's copy of a request body: what it moves, and what it leaves open."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from tokstack.web import splice_body

pytestmark = pytest.mark.skipif(not splice_body.AVAILABLE, reason="os.splice is Linux-only")


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_moves_exactly_the_declared_length_and_leaves_the_rest(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    left, right = socket.socketpair()
    left.setblocking(False)
    right.setblocking(False)
    body, next_request = os.urandom(3 * 1024 * 1024 + 7), b"GET /next HTTP/1.1\r\n\r\n"
    results: list[int | None] = []
    done = asyncio.Event()
    before = _open_fds()
    with (tmp_path / "chunk").open("wb") as target:

        def finished(moved: int | None) -> None:
            results.append(moved)
            done.set()

        splice_body.SplicedBody(loop, left.fileno(), target.fileno(), len(body), finished)
        await loop.sock_sendall(right, body + next_request)
        await asyncio.wait_for(done.wait(), 10)
    assert results == [len(body)]
    assert (tmp_path / "chunk").read_bytes() == body
    assert left.recv(100) == next_request  # the next request stays for the parser
    assert _open_fds() == before  # its duplicate and its pipe are closed
    left.close()
    right.close()


async def test_a_client_gone_mid_body_ends_it_with_none(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    left, right = socket.socketpair()
    left.setblocking(False)
    done: asyncio.Future[int | None] = loop.create_future()
    with (tmp_path / "chunk").open("wb") as target:
        splice_body.SplicedBody(loop, left.fileno(), target.fileno(), 1000, done.set_result)
        right.sendall(b"x" * 400)
        right.close()
        assert await asyncio.wait_for(done, 10) is None
    left.close()


def test_no_descriptor_is_left_open_when_the_pipe_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pipe(_flags: int) -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(splice_body.os, "pipe2", no_pipe)
    left, right = socket.socketpair()
    before = _open_fds()
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(OSError), (tmp_path / "chunk").open("wb") as target:
            splice_body.SplicedBody(loop, left.fileno(), target.fileno(), 10, lambda _: None)
    finally:
        loop.close()
    assert _open_fds() == before
    left.close()
    right.close()
