"""The blob store on S3 (or any S3-compatible server: SeaweedFS, MinIO, R2), for nodes that
share no disk: avatars, icons, covers, media and upload chunks. ``TOKSTACK_BLOB_URL`` names
it: ``s3://bucket[/prefix]?endpoint=http://host:port&region=us-east-1``.

Calls block (minio's client is synchronous): callers on the event loop run them on a
thread, as they do for the directory store's disk.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from tokstack.domain.blob_keys import safe_key

PART_SIZE = 64 * 1024 * 1024  # large files go up as multipart uploads of this size


def parse_url(url: str) -> tuple[str, str, str, str, bool]:
    """(bucket, key prefix, endpoint host:port, region, https) of a ``s3://`` URL."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ValueError("TOKSTACK_BLOB_URL must look like s3://bucket?endpoint=http://host:port")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    endpoint = urlsplit(query.get("endpoint", "https://s3.amazonaws.com"))
    if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
        raise ValueError("the endpoint of TOKSTACK_BLOB_URL must be an http(s) URL")
    prefix = parts.path.strip("/")
    return (
        parts.hostname,
        f"{prefix}/" if prefix else "",
        endpoint.netloc,
        query.get("region", "us-east-1"),
        endpoint.scheme == "https",
    )


class _Stream(io.RawIOBase):
    """A blob being read: the HTTP answer, given back to the pool when closed."""

    def __init__(self, answer: Any) -> None:
        self._answer = answer

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._answer.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._answer.close()
            self._answer.release_conn()
        super().close()


class S3BlobStore:
    def __init__(
        self, url: str, access_key: str | None, secret_key: str | None, timeout: float = 10.0
    ) -> None:
        import urllib3
        from minio import Minio

        self.bucket, self.prefix, endpoint, region, secure = parse_url(url)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout * 6),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503)),
            maxsize=16,
        )
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
            region=region, http_client=http,
        )  # fmt: skip

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket)

    def _name(self, key: str) -> str:
        return self.prefix + safe_key(key)

    def _missing(self, error: Exception) -> bool:
        return getattr(error, "code", None) in ("NoSuchKey", "NoSuchObject")

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(self.bucket, self._name(key), io.BytesIO(data), len(data))

    def put_file(self, key: str, source: Path) -> None:
        self.client.fput_object(self.bucket, self._name(key), str(source), part_size=PART_SIZE)
        source.unlink()

    def open_read(self, key: str) -> BinaryIO | None:
        from minio.error import S3Error

        try:
            answer = self.client.get_object(self.bucket, self._name(key))
        except ValueError:
            return None
        except S3Error as error:
            if self._missing(error):
                return None
            raise
        return io.BufferedReader(_Stream(answer), 1024 * 1024)

    def get(self, key: str) -> bytes | None:
        handle = self.open_read(key)
        if handle is None:
            return None
        with handle:
            return handle.read()

    def read_into(self, key: str, target: BinaryIO) -> bool:
        handle = self.open_read(key)
        if handle is None:
            return False
        with handle:
            while piece := handle.read(1024 * 1024):
                target.write(piece)
        return True

    def join(self, target: str, keys: list[str]) -> None:
        """Server-side: a multipart upload whose parts are copies of the chunks (TikTok's
        chunks are 5 MB or more but the last, as S3's parts must be)."""
        from minio.commonconfig import ComposeSource, CopySource
        from minio.error import S3Error

        names = [self._name(key) for key in keys]
        try:
            if len(names) == 1:
                self.client.copy_object(
                    self.bucket, self._name(target), CopySource(self.bucket, names[0])
                )
            else:
                sources = [ComposeSource(self.bucket, name) for name in names]
                self.client.compose_object(self.bucket, self._name(target), sources)
        except S3Error as error:
            if self._missing(error):
                raise FileNotFoundError(str(error)) from None
            raise

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, self._name(key))
        except ValueError:
            return  # an invalid key names nothing
