"""Avatars in TikTok's three sizes, served from signed, expiring CDN-like URLs."""

from __future__ import annotations

import functools
import io
import secrets
import warnings
import zlib
from typing import TYPE_CHECKING
from urllib.parse import quote

from tokstack.errors import ValidationError

if TYPE_CHECKING:
    from PIL import Image
from tokstack.services.blobs import BlobStore
from tokstack.services.signing import UrlSigner

SIZES = {"avatar_url_100": 100, "avatar_url": 168, "avatar_large_url": 1080}
MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
PATH_PREFIX = "/tos-avt-0068-tx/"


def _name(key: str, size: int) -> str:
    return f"{key}~c5_{size}x{size}.jpeg"


def open_image(data: bytes) -> Image.Image:
    from PIL import Image, UnidentifiedImageError  # image work is rare; keep workers small

    if len(data) > MAX_BYTES:
        raise ValidationError("the image is larger than 10 MB")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if max(image.size) > MAX_SIDE:
                raise ValidationError(f"the image is larger than {MAX_SIDE} pixels on a side")
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise ValidationError("the image has too many pixels")
            image.load()
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            SyntaxError,
            ValueError,
        ) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError("the file is not a readable image") from exc
    return image


def render_sizes(data: bytes) -> dict[int, bytes]:
    """Upright, centre-cropped squares as metadata-free JPEGs, one per size."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(open_image(data)).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return _jpegs(image.crop((left, top, left + side, top + side)))


def _jpegs(square: Image.Image) -> dict[int, bytes]:
    from PIL import Image

    out: dict[int, bytes] = {}
    for size in SIZES.values():
        buffer = io.BytesIO()
        scaled = square
        if square.width != size:
            scaled = square.resize((size, size), Image.Resampling.LANCZOS)
        scaled.save(buffer, "JPEG", quality=88, optimize=True)
        out[size] = buffer.getvalue()
    return out


HUES = 12  # generated avatars come in 12 colours: few enough to render each once


def _face(seed: str) -> tuple[str, int]:
    """The letter and the colour (a hue in degrees) of ``seed``'s generated avatar."""
    return (seed[:1] or "?").upper(), zlib.crc32(seed.encode()) % HUES * (360 // HUES)


def default_image(seed: str) -> bytes:
    """A generated avatar: the first letter on a colour derived from ``seed``."""
    buffer = io.BytesIO()
    _draw(*_face(seed)).save(buffer, "PNG")
    return buffer.getvalue()


def _draw(letter: str, hue: int) -> Image.Image:
    from PIL import Image, ImageDraw, ImageFont

    colour = Image.new("HSV", (1, 1), (int(hue * 255 / 360), 120, 200)).convert("RGB")
    image = Image.new("RGB", (1080, 1080), colour.getpixel((0, 0)))
    font = ImageFont.load_default(size=600)
    ImageDraw.Draw(image).text((540, 540), letter, fill=(255, 255, 255), font=font, anchor="mm")
    return image


@functools.lru_cache(maxsize=128)
def _rendered(letter: str, hue: int) -> dict[int, bytes]:
    # straight from the drawing: no PNG round trip (this is on `serve --demo`'s start path)
    return _jpegs(_draw(letter, hue))


def _default_sizes(seed: str) -> dict[int, bytes]:
    """Rendered once per letter and colour and process (seeds and resets reuse them)."""
    return _rendered(*_face(seed))


class AvatarService:
    def __init__(self, blobs: BlobStore, key: bytes, public_url: str, ttl: int) -> None:
        self.blobs = blobs
        self._signer = UrlSigner(key, "avatar-url")
        self.base = public_url.rstrip("/") + PATH_PREFIX
        self.ttl = ttl
        self._urls: dict[tuple[str, str, int], str] = {}

    def store(self, data: bytes) -> str:
        """Validates and stores all sizes; returns the new avatar key. Raises ValidationError."""
        return self._put(render_sizes(data))

    def store_default(self, seed: str) -> str:
        """A generated avatar (rendered once per seed and process: demo resets reuse it)."""
        return self._put(_default_sizes(seed))

    def _put(self, rendered: dict[int, bytes]) -> str:
        key = secrets.token_hex(16)
        for size, jpeg in rendered.items():
            self.blobs.put(_name(key, size), jpeg)
        return key

    def delete(self, key: str) -> None:
        for size in SIZES.values():
            self.blobs.delete(_name(key, size))

    def expiry(self, now: int) -> int:
        """About ``ttl`` ahead, on the hour, as TikTok's CDN does (and cacheable per hour)."""
        return (now + self.ttl) // 3600 * 3600

    def url(self, key: str, field: str, expires: int) -> str:
        # Expiry moves once an hour, so the same URL is handed out many times: sign it once.
        cached = self._urls.get((key, field, expires))
        if cached is not None:
            return cached
        name = _name(key, SIZES[field])
        signature = quote(self._signer.signature(name, expires), safe="")
        url = f"{self.base}{name}?x-expires={expires}&x-signature={signature}"
        if len(self._urls) > 100_000:
            self._urls.clear()
        self._urls[(key, field, expires)] = url
        return url

    def read(self, name: str, expires: str, signature: str, now: int) -> tuple[bytes, int] | None:
        """The JPEG for a signed path and its expiry, or None if the URL is wrong or expired."""
        expires_at = self._signer.valid(name, expires, signature, now)
        if expires_at is None:
            return None
        data = self.blobs.get(name)
        return None if data is None else (data, expires_at)
