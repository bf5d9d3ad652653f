"""FILE_UPLOAD media transfer: the signed ``upload_url`` (1 hour) and ``PUT`` of chunks
under TikTok's rules. A chunk streams to a staging file, then into the blob store; it is
counted in with one conditional UPDATE, so uploads of one publish may reach any worker or
node, and two PUTs of the same chunk cannot both count."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from tokstack.domain import posting as rules
from tokstack.domain.posting import Publish, RangeRefused
from tokstack.services.blobs import BlobStore
from tokstack.services.context import Context
from tokstack.services.signing import UrlSigner

UPLOAD_PATH = "/upload/video/"

# Writes the request's body into a file: its length, or None when more than the given limit
# came (or the client went away). The web layer passes the server's direct path when it has one.
BodyWriter = Callable[[BinaryIO, int], Awaitable[int | None]]


@dataclass(frozen=True)
class Transfer:
    """What a PUT answered: 201 (all in), 206 (more to come), or an error status."""

    status: int
    message: str = ""
    code: str = ""


class Uploads:
    def __init__(
        self, ctx: Context, blobs: BlobStore, secret: bytes, staging: Path,
        wake: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.ctx = ctx
        self.blobs = blobs
        self.staging = staging
        self.wake = wake  # this process's publisher: the last chunk is processed at once
        self._signer = UrlSigner(secret, "upload-url")

    def url(self, publish: Publish) -> str:
        expires = publish.upload_expires_at
        token = f"{expires}.{self._signer.signature(publish.id, expires)}"
        return (
            f"{self.ctx.public_url.rstrip('/')}{UPLOAD_PATH}"
            f"?upload_id={quote(publish.id, safe='')}&upload_token={quote(token, safe='')}"
        )

    def _authentic(self, upload_id: str, token: str) -> str | None:
        """None when the URL is signed and in date, else why not."""
        expires, _, signature = token.partition(".")
        if self._signer.valid(upload_id, expires, signature, self.ctx.clock.now()) is not None:
            return None
        if self._signer.valid(upload_id, expires, signature, 0) is not None:
            return "The upload URL has expired (it lives one hour); init the post again."
        return "The upload URL is not valid."

    async def put(
        self, upload_id: str, token: str, content_range: str | None,
        content_length: str | None, body: BodyWriter,
    ) -> Transfer:  # fmt: skip
        refused = self._authentic(upload_id, token)
        if refused is not None:
            return Transfer(403, refused, "access_denied")
        async with self.ctx.store.read() as unit:
            publish = await unit.publishes.get(upload_id)
        if publish is None or publish.source != rules.FILE_UPLOAD:
            return Transfer(404, "No such upload.", "not_found")
        if publish.status != rules.PROCESSING_UPLOAD or publish.ready:
            return Transfer(403, "This upload is closed.", "access_denied")
        try:
            start, end, total = rules.content_range(content_range)
            index = rules.chunk_index(publish.plan, publish.uploaded_bytes, start, end, total)
        except RangeRefused as exc:
            return Transfer(exc.status, str(exc), "invalid_params")
        length = end - start + 1
        if content_length is not None and content_length.strip() != str(length):
            return Transfer(
                400, "Content-Length must equal the Content-Range's length.", "invalid_params"
            )
        staged = await self._stage(body, length)
        if staged is None:
            return Transfer(400, f"The body must hold exactly {length} bytes.", "invalid_params")
        await asyncio.to_thread(self.blobs.put_file, publish.chunk_key(index), staged)
        last = index == publish.total_chunk_count - 1
        async with self.ctx.store.unit() as unit:
            counted = await unit.publishes.advance(
                publish.id, start, end + 1, last, self.ctx.clock.now()
            )
        if not counted:  # another PUT of this chunk won, or the post was cancelled
            return Transfer(416, f"The upload no longer stands at byte {start}.", "invalid_params")
        if last and self.wake is not None:
            self.wake()
        return Transfer(201 if last else 206)

    async def _stage(self, body: BodyWriter, length: int) -> Path | None:
        """The body in a staging file, or None (and no file) unless it is ``length`` bytes."""
        self.staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="chunk-")
        path, ok = Path(name), False
        try:
            with os.fdopen(fd, "wb") as handle:
                received = await body(handle, length)
            ok = received == length
            return path if ok else None
        finally:
            if not ok:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # noqa: ASYNC240  (one local unlink)
