"""Where the emulator's request journal is kept: files on one machine, or a Redis list.

``FileJournal``: each process appends JSON lines to its own file in one folder, with one
``write`` per entry (a few microseconds; no lock between workers), and readers merge the
files. Each file is cut back to the newest ``size`` entries once it holds twice as many.
``RedisJournal``: one list shared by every node, trimmed to ``size`` on every push.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # redis-py is imported only where Redis is configured
    import redis.asyncio as aioredis


class FileJournal:
    def __init__(self, folder: Path, size: int) -> None:
        self.folder = folder
        self.size = size
        self._fd: int | None = None
        self._path: Path | None = None
        self._lines = 0

    def _open(self) -> int:
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}.jsonl"
            self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return self._fd

    async def record(self, entry: dict[str, Any]) -> None:
        os.write(self._open(), orjson.dumps(entry) + b"\n")
        self._lines += 1
        if self._lines >= 2 * self.size:
            self._compact()

    def _compact(self) -> None:
        assert self._path is not None and self._fd is not None
        kept = self._path.read_bytes().splitlines()[-self.size :]
        spare = self._path.with_suffix(".tmp")
        spare.write_bytes(b"".join(line + b"\n" for line in kept))
        os.replace(spare, self._path)
        os.close(self._fd)
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
        self._lines = len(kept)

    async def entries(self) -> list[dict[str, Any]]:
        """Every kept entry of every process, newest first, at most ``size``."""
        found: list[dict[str, Any]] = []
        for path in self.folder.glob("*.jsonl"):
            try:
                raw = path.read_bytes()
            except FileNotFoundError:  # compacted or cleared meanwhile
                continue
            for line in raw.splitlines():
                try:
                    found.append(orjson.loads(line))
                except orjson.JSONDecodeError:  # a line being written right now
                    continue
        found.sort(key=lambda e: str(e.get("id", "")), reverse=True)  # ids sort by time
        return found[: self.size]

    async def clear(self) -> None:
        for path in self.folder.glob("*.jsonl"):
            os.truncate(path, 0)  # writers append at the new end
        self._lines = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RedisJournal:
    def __init__(self, client: aioredis.Redis, prefix: str, size: int) -> None:
        self.client = client
        self.key = f"{prefix}journal"
        self.size = size

    async def record(self, entry: dict[str, Any]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.lpush(self.key, orjson.dumps(entry))
            pipe.ltrim(self.key, 0, self.size - 1)
            await pipe.execute()

    async def entries(self) -> list[dict[str, Any]]:
        raw = await self.client.lrange(self.key, 0, self.size - 1)
        return [orjson.loads(item) for item in raw]

    async def clear(self) -> None:
        await self.client.delete(self.key)
