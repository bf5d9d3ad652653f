"""Where a seed document comes from: a file (its avatar paths beside it) or a request body
(avatars as ``data:`` URLs only: a request must not make the server read its own files)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

import orjson

from tokstack.domain.seed import Seed, SeedError, load, parse
from tokstack.errors import ValidationError


@dataclass(frozen=True)
class SeedSource:
    """A checked document and where its avatar paths are read from (``None``: over HTTP,
    where only ``data:`` URLs are accepted: a request must not read the server's files)."""

    seed: Seed
    base_dir: Path | None = None
    name: str = "the seed"  # how errors name the document


def from_file(path: Path) -> SeedSource:
    """A seed file, checked; its avatar paths are relative to its folder."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the seed document: {exc.strerror}") from None
    return SeedSource(parse(text, str(path)), path.resolve().parent, str(path))


def from_request(body: bytes, content_type: str) -> SeedSource:
    """A seed sent to ``POST /_tokstack/seed`` (JSON, or YAML by its content type)."""
    if "yaml" in content_type:
        return SeedSource(parse(body, "the seed"))
    try:
        document = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as exc:
        raise SeedError(f"the seed is not JSON: {exc}") from None
    return SeedSource(load(document, "the seed"))


def avatar_bytes(reference: str, base_dir: Path | None) -> bytes:
    """A ``data:`` URL's bytes, or (from a file's seed) an image file's."""
    if reference.startswith("data:"):
        header, _, payload = reference.partition(",")
        if not header.endswith(";base64"):
            raise ValidationError("a data: URL avatar must be base64 (data:image/png;base64,...)")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("the data: URL is not valid base64") from None
    if base_dir is None:
        raise ValidationError(
            "a seed sent over HTTP gives avatars as data: URLs "
            "(tokstack emulator seed FILE converts file paths)"
        )
    path = base_dir / reference
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {str(path)!r}: {exc.strerror}") from None
