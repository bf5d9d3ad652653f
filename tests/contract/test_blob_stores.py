"""One contract for every blob store: the directory (the embedded default), memory (tests),
and S3 (SeaweedFS's ``weed server -s3``, as the scale-out deployments use)."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import S3_ACCESS, S3_SECRET, SeaweedS3, seaweed  # noqa: F401 - fixture
from tokstack.services.blobs import BlobStore, DirectoryBlobStore, MemoryBlobStore
from tokstack.storage.s3_blobs import S3BlobStore, parse_url


@pytest.fixture(params=["directory", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "directory":
        yield DirectoryBlobStore(tmp_path / "blobs")
    elif request.param == "memory":
        yield MemoryBlobStore()
    else:
        server: SeaweedS3 = request.getfixturevalue("seaweed")
        made = S3BlobStore(server.url(f"t{secrets.token_hex(4)}"), S3_ACCESS, S3_SECRET)
        made.ensure_bucket()
        yield made


def test_put_get_delete(store: BlobStore) -> None:
    assert store.get("absent.jpg") is None
    store.put("cover-1.jpg", b"\xff\xd8jpeg")
    assert store.get("cover-1.jpg") == b"\xff\xd8jpeg"
    store.put("cover-1.jpg", b"replaced")
    assert store.get("cover-1.jpg") == b"replaced"
    store.delete("cover-1.jpg")
    store.delete("cover-1.jpg")  # twice: nothing to delete is fine
    assert store.get("cover-1.jpg") is None


def test_files_in_and_out_in_pieces(store: BlobStore, tmp_path: Path) -> None:
    data = secrets.token_bytes(3 * 1024 * 1024 + 17)
    source = tmp_path / "upload"
    source.write_bytes(data)
    store.put_file("up0001-0000", source)
    assert not source.exists()  # moved in, not copied
    out = io.BytesIO()
    assert store.read_into("up0001-0000", out) and out.getvalue() == data
    assert not store.read_into("up0001-0001", io.BytesIO())
    handle = store.open_read("up0001-0000")
    assert handle is not None
    with handle:
        pieces = [handle.read(1024 * 1024) for _ in range(5)]
    assert b"".join(pieces) == data and pieces[-1] == b""
    assert store.open_read("missing") is None


@pytest.mark.parametrize("key", ["../etc/passwd", ".hidden", "a/b", "", "x" * 201])
def test_unsafe_keys_name_nothing(store: BlobStore, key: str) -> None:
    assert store.get(key) is None
    store.delete(key)
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_a_large_file_goes_up_in_parts(seaweed: SeaweedS3, tmp_path: Path) -> None:  # noqa: F811
    made = S3BlobStore(seaweed.url("multipart"), S3_ACCESS, S3_SECRET)
    made.ensure_bucket()
    data = secrets.token_bytes(70 * 1024 * 1024)  # over PART_SIZE: a multipart upload
    source = tmp_path / "media"
    source.write_bytes(data)
    made.put_file("vm-large", source)
    out = io.BytesIO()
    assert made.read_into("vm-large", out) and out.getvalue() == data


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("s3://media?endpoint=http://127.0.0.1:8333",
         ("media", "", "127.0.0.1:8333", "us-east-1", False)),
        ("s3://media/tok/?endpoint=https://s3.example&region=eu-west-1",
         ("media", "tok/", "s3.example", "eu-west-1", True)),
    ],
)  # fmt: skip
def test_blob_urls(url: str, parsed: tuple[Any, ...]) -> None:
    assert parse_url(url) == parsed
    with pytest.raises(ValueError):
        parse_url("http://media")


def test_chunks_joined_into_one_blob(store: BlobStore) -> None:
    """An upload's chunks made one file: TikTok's chunks are 5 MB or more but the last, so S3
    joins them server-side (a multipart upload of copies)."""
    chunks = [secrets.token_bytes(5 * 1024 * 1024), secrets.token_bytes(5 * 1024 * 1024), b"end"]
    for index, chunk in enumerate(chunks):
        store.put(f"upjoin-{index:04d}", chunk)
    store.join("vm-joined", [f"upjoin-{index:04d}" for index in range(3)])
    assert store.get("vm-joined") == b"".join(chunks)
    store.join("vm-single", ["upjoin-0002"])  # a video under 5 MB is one chunk
    assert store.get("vm-single") == b"end"
    with pytest.raises(FileNotFoundError):
        store.join("vm-broken", ["upjoin-0000", "upjoin-0009"])
    assert store.get("vm-broken") is None
