"""A tiny blob-store interface; the default keeps files in a directory."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from tokstack.domain.blob_keys import safe_key


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...
    def put_file(self, key: str, source: Path) -> None:
        """Stores a file's content under ``key`` and removes the file (uploads, media)."""
        ...

    def read_into(self, key: str, target: BinaryIO) -> bool:
        """Streams the blob into ``target``; False when there is none."""
        ...

    def open_read(self, key: str) -> BinaryIO | None:
        """The blob to read in pieces (media served to browsers), or None."""
        ...

    def join(self, target: str, keys: list[str]) -> None:
        """``target`` becomes the blobs of ``keys`` one after another (an upload's chunks
        made one file; on S3 server-side, as a multipart upload of the chunks). FileNotFoundError
        when one is missing."""
        ...


def delete_all(blobs: BlobStore, keys: list[str]) -> None:
    """Deletes each key (blocking: run it on a thread from the event loop)."""
    for key in keys:
        if key:
            blobs.delete(key)


class DirectoryBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / safe_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # write-then-rename so a reader never sees half a file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def put_file(self, key: str, source: Path) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # a rename when on the same disk; across disks a copy to a temporary name first
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        os.close(fd)
        shutil.move(source, tmp)
        os.replace(tmp, path)

    def read_into(self, key: str, target: BinaryIO) -> bool:
        try:
            with self._path(key).open("rb") as handle:
                shutil.copyfileobj(handle, target, 1024 * 1024)
        except (FileNotFoundError, ValueError):
            return False
        return True

    def join(self, target: str, keys: list[str]) -> None:
        path = self._path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                for key in keys:
                    with self._path(key).open("rb") as part:
                        shutil.copyfileobj(part, out, 1024 * 1024)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def open_read(self, key: str) -> BinaryIO | None:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, ValueError):
            return None

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            self._path(key).unlink()


class MemoryBlobStore:
    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self.items[safe_key(key)] = data

    def get(self, key: str) -> bytes | None:
        return self.items.get(key)

    def delete(self, key: str) -> None:
        self.items.pop(key, None)

    def put_file(self, key: str, source: Path) -> None:
        self.items[safe_key(key)] = source.read_bytes()
        source.unlink()

    def join(self, target: str, keys: list[str]) -> None:
        missing = [key for key in keys if key not in self.items]
        if missing:
            raise FileNotFoundError(missing[0])
        self.items[safe_key(target)] = b"".join(self.items[key] for key in keys)

    def open_read(self, key: str) -> BinaryIO | None:
        data = self.items.get(key)
        return io.BytesIO(data) if data is not None else None

    def read_into(self, key: str, target: BinaryIO) -> bool:
        data = self.items.get(key)
        if data is not None:
            target.write(data)
        return data is not None
