"""uvicorn's httptools protocol with bounds on what a client may make the server hold.

httptools (llhttp) has no limit on header size, and uvicorn has no timer on a request that
never finishes arriving; h11 has a size limit but costs a third of the throughput of the
user-info path. This subclass adds, per connection:

- a request head (request line and headers) of at most ``MAX_HEAD`` bytes, else 431 and close
  (counted as received, so an unfinished header line cannot grow without bound);
- the head within ``TOKSTACK_HEADER_TIMEOUT`` seconds of its first byte (or of the connection),
  the body within ``TOKSTACK_BODY_TIMEOUT`` seconds of the head (plus, for a video chunk, its
  declared size at 256 KB/s), else the connection is closed.

Per-route body sizes are enforced in the application (``tokstack.web.limits``).

A video chunk's body can go straight into a file (``tokstack.web.body_to_file``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from tokstack.web.body_to_file import BodyToFile

MAX_HEAD = 32 * 1024  # request line plus all headers
HEAD_TOO_LARGE = b"Request header fields too large"
UPLOAD_PATH = b"/upload/video/"  # the Content Posting API's upload_url
MIN_UPLOAD_RATE = 256 * 1024  # bytes per second a chunk's upload may not fall below
MAX_UPLOAD_WAIT = 900.0


class HeadTooLarge(Exception):
    """Raised from a parser callback: httptools stops and uvicorn closes the connection."""


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class BoundedHttpTools(BodyToFile):
    head_timeout = _seconds("TOKSTACK_HEADER_TIMEOUT", 10.0)
    body_timeout = _seconds("TOKSTACK_BODY_TIMEOUT", 30.0)
    # emulator mode: a "drop" fault closes the connection through a scope extension
    offer_drop = os.environ.get("TOKSTACK_DEMO", "").lower() in ("1", "true", "yes", "on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._awaiting_head = True
        self._heads_done = 0  # heads completed on this connection
        self._refused = False
        # One timer per connection that re-arms itself, and a deadline per request phase
        # (a float store per request): a timer per request cost the user-info path ~2 us.
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def _expect(self, seconds: float) -> None:
        self._deadline = self.loop.time() + seconds
        if self._timer is not None and self._timer.when() > self._deadline:
            self._timer.cancel()  # due later than this phase's deadline (rare: body -> head)
            self._timer = None
        if self._timer is None:
            self._timer = self.loop.call_at(self._deadline, self._check)

    def _check(self) -> None:
        self._timer = None
        if self._deadline is None or self.transport is None or self.transport.is_closing():
            return
        now = self.loop.time()
        if now >= self._deadline:
            self._refused = True
            self.transport.close()
        else:
            self._timer = self.loop.call_at(self._deadline, self._check)

    def _done_waiting(self) -> None:
        self._deadline = None

    def _refuse(self, status: bytes, message: bytes) -> None:
        """Answers with a plain error and closes the connection."""
        self._refused = True
        self._done_waiting()
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: "
            + str(len(message)).encode()
            + b"\r\nconnection: close\r\n\r\n"
            + message
        )
        self.transport.close()

    # the connection: a head must start arriving within the head timeout too
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect(self.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._done_waiting()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        before = self._awaiting_head, self._heads_done
        super().data_received(data)
        # httptools buffers an unfinished header line without calling back, so the bytes of
        # an unfinished head are counted here (at most one read past the limit is held). Only
        # a read in which no head completed and none was ended by a body counts: a read that
        # held a whole request (or a body's end) was once counted and a video chunk was
        # refused with 431.
        if before == (True, self._heads_done) and self._awaiting_head and not self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD:
                self._refuse(b"431 Request Header Fields Too Large", HEAD_TOO_LARGE)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # already answered (431) or timed out
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._expect(self.head_timeout)
        if self.offer_drop:
            self.scope["extensions"] = {"tokstack.drop": self._drop}  # type: ignore[dict-item]

    def _drop(self) -> None:
        self._refused = True
        self._done_waiting()
        if self.transport is not None:
            self.transport.abort()

    def on_headers_complete(self) -> None:
        self._heads_done += 1
        self._awaiting_head = False
        self._head_bytes = 0
        # a head that arrived whole in one read is measured here, before its request starts
        if len(self.url) + sum(len(k) + len(v) + 4 for k, v in self.headers) > MAX_HEAD:
            self._refuse(b"431 Request Header Fields Too Large", HEAD_TOO_LARGE)
            raise HeadTooLarge  # stops the parser: uvicorn closes the connection
        super().on_headers_complete()
        declared = self._expects_body()
        if declared:
            self._expect(self.body_timeout + self._transfer_time(declared))
            if self.url.startswith(UPLOAD_PATH):
                self.offer_body_to_file()
        else:
            self._done_waiting()

    def _expects_body(self) -> int:
        """The declared body length (1 for a chunked body), 0 for none."""
        for name, value in self.headers:
            if name == b"content-length":
                text = value.strip()
                return int(text) if text.isdigit() and len(text) < 16 else 1
            if name == b"transfer-encoding":
                return 1
        return 0

    def _transfer_time(self, declared: int) -> float:
        """Video chunks (up to 128 MB) get time for their size at a slow link's pace."""
        if not self.url.startswith(UPLOAD_PATH):
            return 0.0
        return min(declared / MIN_UPLOAD_RATE, MAX_UPLOAD_WAIT)

    def on_message_complete(self) -> None:
        self._awaiting_head = True
        self._head_bytes = 0
        self._done_waiting()
        super().on_message_complete()
