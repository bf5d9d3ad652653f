"""Linux: a request body moved from the socket into a file by the kernel, through a pipe
(``splice(2)``), never copied into Python. Video chunks take this path once their route has
checked them (``tokstack.web.protocol``); no library offers it for an asyncio transport.

The socket is read through a duplicate of its descriptor while the transport's own reading
is paused, for exactly the body's declared length, so a pipelined request behind it stays in
the socket for the HTTP parser.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable

AVAILABLE = hasattr(os, "splice")
PIPE_SIZE = 1024 * 1024  # Linux's default pipe-max-size; 64 KB if refused
PER_TURN = 8 * 1024 * 1024  # bytes moved before the event loop gets a turn


class SplicedBody:
    """Moves ``remaining`` bytes from ``sock_fd`` to ``file_fd`` as they arrive, then calls
    ``done`` with the number moved, or with None when the client went away or a write failed
    (the OSError, if any, in ``error``)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock_fd: int,
        file_fd: int,
        remaining: int,
        done: Callable[[int | None], None],
    ) -> None:
        self.loop = loop
        self.file_fd = file_fd
        self.remaining = remaining
        self.moved = 0
        self.error: OSError | None = None
        self._done = done
        self._sock = os.dup(sock_fd)
        try:
            self._read, self._write = os.pipe2(os.O_CLOEXEC)
        except OSError:  # out of descriptors: the caller takes another path
            os.close(self._sock)
            raise
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._write, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self._pipe = fcntl.fcntl(self._write, fcntl.F_GETPIPE_SZ)
        self._open = True
        loop.add_reader(self._sock, self._ready)

    def _ready(self) -> None:
        turn = 0
        try:
            while self.remaining and turn < PER_TURN:
                got = os.splice(
                    self._sock, self._write, min(self.remaining, self._pipe),
                    flags=os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK,
                )  # fmt: skip
                if got == 0:  # the client closed before the body's end
                    self._finish(None)
                    return
                left = got
                while left:
                    left -= os.splice(self._read, self.file_fd, left, flags=os.SPLICE_F_MOVE)
                self.remaining -= got
                self.moved += got
                turn += got
        except BlockingIOError:
            return  # nothing more in the socket for now
        except OSError as exc:  # a reset connection, a full disk
            self.error = exc
            self._finish(None)
            return
        if not self.remaining:
            self._finish(self.moved)

    def _finish(self, result: int | None) -> None:
        if self.close():
            self._done(result)

    def close(self) -> bool:
        """Stops and frees the descriptors; False when already closed."""
        if not self._open:
            return False
        self._open = False
        self.loop.remove_reader(self._sock)
        for fd in (self._sock, self._read, self._write):
            os.close(fd)
        return True
