"""A video chunk's body straight into a file, past ASGI's messages.

uvicorn hands a body to the application in messages of about 64 KB and pauses the socket
between them (about 350 MB/s here, where a copy on disk runs at 2-3 GB/s). A video chunk's
request carries the ``tokstack.body_to_file`` scope extension instead: once the route has
checked the upload URL and the range, the body goes from the socket's reads into a file, or,
given a real file and a declared length, is moved by the kernel (``tokstack.web.splice_body``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from tokstack.web import splice_body

log = logging.getLogger("tokstack.uploads")

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


class BodyToFile(HttpToolsProtocol):
    """The protocol's part that offers and serves ``tokstack.body_to_file``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sink: _Sink | None = None
        self._spliced: tuple[splice_body.SplicedBody, asyncio.Future[int | None]] | None = None

    def offer_body_to_file(self) -> None:
        """Called when the head of a request with a body has been parsed."""
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[BODY_TO_FILE] = functools.partial(
            self._body_to_file, self.cycle, self._content_length()
        )

    def _content_length(self) -> int | None:
        """The body's exact length when the head declares one (not chunked), else None."""
        if any(name == b"transfer-encoding" for name, _ in self.headers):
            return None
        for name, value in self.headers:
            if name == b"content-length" and value.strip().isdigit():
                return int(value)
        return None

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
            spliced = self._splice(fileno(), count, length - count)
            if spliced is not None:
                return await spliced
        done: asyncio.Future[int | None] = self.loop.create_future()
        self._sink = _Sink(handle, limit, count, done)
        self.flow.resume_reading()  # uvicorn pauses reading past 64 KB held
        return await done

    def _splice(
        self, file_fd: int, count: int, remaining: int
    ) -> asyncio.Future[int | None] | None:
        """The rest of the body moved by the kernel (``tokstack.web.splice_body``), or None
        when that cannot start; the HTTP parser, which never sees those bytes, is replaced by
        a fresh one for the next request on the connection."""
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

        try:
            copy = splice_body.SplicedBody(self.loop, sock.fileno(), file_fd, remaining, finished)
        except OSError as exc:  # out of descriptors: the bytes go through Python instead
            log.warning("video chunk not spliced: %s", exc)
            return None
        self.flow.pause_reading()
        self._spliced = (copy, done)
        return done

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
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._settle_sink(None)  # the body will not arrive whole
        if self._spliced is not None:
            copy, done = self._spliced
            self._spliced = None
            copy.close()
            if not done.done():
                done.set_result(None)
        super().connection_lost(exc)
