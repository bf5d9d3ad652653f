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

A video chunk's request also carries the ``tokstack.body_to_file`` scope extension: once the
route has checked the upload URL and the range, the body goes from the socket's reads
straight into a file, past ASGI's messages (uvicorn hands a body over in 64 KB messages,
pausing the socket between them: about 350 MB/s, where a copy on disk runs at 2 GB/s).
"""

from __future__ import annotations

import asyncio
import functools
import os
from dataclasses import dataclass
from typing import Any, Protocol

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from tokstack.web import splice_body

MAX_HEAD = 32 * 1024  # request line plus all headers
HEAD_TOO_LARGE = b"Request header fields too large"
UPLOAD_PATH = b"/upload/video/"  # the Content Posting API's upload_url
MIN_UPLOAD_RATE = 256 * 1024  # bytes per second a chunk's upload may not fall below
MAX_UPLOAD_WAIT = 900.0
BODY_TO_FILE = "tokstack.body_to_file"


class Writable(Protocol):
    def write(self, data: bytes | bytearray, /) -> object: ...


@dataclass
class _Sink:
    """Where the rest of a body goes while a route waits for ``done``."""

    handle: Writable
    limit: int
    count: int
    done: asyncio.Future[int | None]


class HeadTooLarge(Exception):
    """Raised from a parser callback: httptools stops and uvicorn closes the connection."""


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class BoundedHttpTools(HttpToolsProtocol):
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
        self._sink: _Sink | None = None
        self._spliced: tuple[splice_body.SplicedBody, asyncio.Future[int | None]] | None = None

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
        self._settle_sink(None)  # the body will not arrive whole
        if self._spliced is not None:
            copy, done = self._spliced
            self._spliced = None
            copy.close()
            if not done.done():
                done.set_result(None)
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
                extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
                extensions[BODY_TO_FILE] = functools.partial(
                    self._body_to_file, self.cycle, self._content_length()
                )
        else:
            self._done_waiting()

    def _content_length(self) -> int | None:
        """The body's exact length when the head declares one (not chunked), else None."""
        if any(name == b"transfer-encoding" for name, _ in self.headers):
            return None
        for name, value in self.headers:
            if name == b"content-length" and value.strip().isdigit():
                return int(value)
        return None

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

    async def _body_to_file(
        self, cycle: RequestResponseCycle, length: int | None, handle: Writable, limit: int
    ) -> int | None:
        """Writes the request's body to ``handle`` as it arrives: the number of bytes, or None
        when more than ``limit`` came or the client went away first."""
        if cycle.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # as receive() would
            cycle.waiting_for_100_continue = False
        count = len(cycle.body)
        if count > limit:
            return None
        if count:
            handle.write(cycle.body)
            cycle.body = cycle.body[:0]  # a bytearray in uvicorn 0.55, bytes before
        if not cycle.more_body:
            return count
        if cycle.disconnected or self._sink is not None or cycle is not self.cycle:
            return None
        fileno = getattr(handle, "fileno", None)
        if splice_body.AVAILABLE and fileno is not None and length is not None:
            if length > limit:
                return None
            flush = getattr(handle, "flush", None)
            if flush is not None:
                flush()  # what was buffered goes first; the kernel writes the rest after it
            return await self._splice(fileno(), count, length - count)
        done: asyncio.Future[int | None] = self.loop.create_future()
        self._sink = _Sink(handle, limit, count, done)
        self.flow.resume_reading()  # uvicorn pauses reading past 64 KB held
        return await done

    async def _splice(self, file_fd: int, count: int, remaining: int) -> int | None:
        """The rest of the body moved by the kernel (``tokstack.web.splice_body``); the HTTP
        parser, which never sees those bytes, is replaced by a fresh one for the next request
        on the connection."""
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return None
        done: asyncio.Future[int | None] = self.loop.create_future()

        def finished(moved: int | None) -> None:
            self._spliced = None
            if done.done():
                return
            if moved is None:
                if copy.error is not None and not isinstance(copy.error, ConnectionError):
                    done.set_exception(copy.error)
                else:
                    done.set_result(None)
                self.transport.close()  # the parser stands mid-body: no next request here
                return
            self.parser = httptools.HttpRequestParser(self)
            self.on_message_complete()
            self.flow.resume_reading()
            done.set_result(count + moved)

        self.flow.pause_reading()
        copy = splice_body.SplicedBody(self.loop, sock.fileno(), file_fd, remaining, finished)
        self._spliced = (copy, done)
        return await done

    def _settle_sink(self, result: int | None) -> None:
        sink, self._sink = self._sink, None
        if sink is not None and not sink.done.done():
            sink.done.set_result(result)

    def on_body(self, body: bytes) -> None:
        sink = self._sink
        if sink is None:
            super().on_body(body)
            return
        sink.count += len(body)
        if sink.count > sink.limit:
            self._settle_sink(None)  # the rest is uvicorn's again (dropped once answered)
            return
        try:
            sink.handle.write(body)
        except OSError as exc:  # a full disk: the route's error, not the parser's
            self._sink = None
            sink.done.set_exception(exc)

    def on_message_complete(self) -> None:
        if self._sink is not None:
            self._settle_sink(self._sink.count)
        self._awaiting_head = True
        self._head_bytes = 0
        self._done_waiting()
        super().on_message_complete()
