from __future__ import annotations

import io

import pytest
from PIL import Image

from tokstack.errors import ValidationError
from tokstack.services.avatars import AvatarService, default_image, render_sizes
from tokstack.services.blobs import MemoryBlobStore


def png(width: int, height: int, colour: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_three_square_sizes_from_any_rectangle() -> None:
    sizes = render_sizes(png(300, 200))
    for size, data in sizes.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.size == (size, size)
    assert sorted(sizes) == [100, 168, 1080]


def test_exif_orientation_is_applied() -> None:
    # 400x200 landscape stored with "rotate 90" -> shown as portrait; top half red.
    image = Image.new("RGB", (400, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 200))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    out = Image.open(io.BytesIO(render_sizes(buffer.getvalue())[100]))
    assert not out.getexif()  # metadata stripped
    # after rotating CW the red (left) half is on top; the centre crop is mostly red at top
    r, _g, b = out.convert("RGB").getpixel((50, 5))  # type: ignore[misc]
    assert r > 200 and b < 60


@pytest.mark.parametrize("data", [b"not an image", b"", b"\x89PNG\r\n\x1a\n garbage"])
def test_bad_images_are_refused(data: bytes) -> None:
    with pytest.raises(ValidationError):
        render_sizes(data)


def test_oversized_images_are_refused() -> None:
    with pytest.raises(ValidationError, match="8000"):
        render_sizes(png(8001, 10))
    with pytest.raises(ValidationError, match="10 MB"):
        render_sizes(b"x" * (10 * 1024 * 1024 + 1))


def test_signed_urls_expire_and_resist_tampering() -> None:
    service = AvatarService(MemoryBlobStore(), b"k", "http://t", ttl=3600)
    key = service.store(default_image("alice"))
    expires = service.expiry(1_000_000)
    url = service.url(key, "avatar_url", expires)
    name = url.split("/tos-avt-0068-tx/")[1].split("?")[0]
    signature = (
        url.split("x-signature=")[1].replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    )
    assert name == f"{key}~c5_168x168.jpeg"
    assert service.read(name, str(expires), signature, 1_000_000) is not None
    assert service.read(name, str(expires), signature, expires + 1) is None
    assert service.read(name, str(expires + 3600), signature, 1_000_000) is None
    other = f"{key}~c5_1080x1080.jpeg"
    assert service.read(other, str(expires), signature, 1_000_000) is None


def test_decompression_bomb_is_refused() -> None:
    # a few kilobytes on disk, 49 megapixels once decoded
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValidationError, match="too many pixels"):
        render_sizes(buffer.getvalue())
