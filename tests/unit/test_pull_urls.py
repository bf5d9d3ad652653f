"""PULL_FROM_URL outside emulator mode: https only, and never a private or local address."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokstack.domain.models import App
from tokstack.domain.posting import PostingError
from tokstack.services import pull_urls


def app(*prefixes: str) -> App:
    return App(
        id=1, developer_id=1, client_key="k", client_secret_hash="", name="A", platform="web",
        redirect_uris=(), scopes=(), webhook_url=None, created_at=0, url_prefixes=prefixes,
    )  # fmt: skip


def test_only_https_under_a_verified_prefix() -> None:
    allowed = app("https://cdn.example/videos/")
    assert pull_urls.checked("https://cdn.example/videos/a.mp4", allowed, False)
    with pytest.raises(PostingError) as unverified:
        pull_urls.checked("https://cdn.example/other/a.mp4", allowed, False)
    assert unverified.value.code == "url_ownership_unverified"
    with pytest.raises(PostingError) as plain:
        pull_urls.checked("http://cdn.example/videos/a.mp4", app("http://cdn.example/"), False)
    assert plain.value.code == "invalid_params"
    with pytest.raises(PostingError):
        pull_urls.checked("https://user@cdn.example/videos/a.mp4", allowed, False)


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/a.mp4", "https://169.254.169.254/latest", "https://[::1]/a.mp4",
            "https://10.0.0.1/a.mp4", "https://localhost/a.mp4"],
)  # fmt: skip
async def test_private_and_local_addresses_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(pull_urls.PullFailed, match="private or local"):
        await pull_urls.download(url, tmp_path / "out", emulator=False)
    assert not (tmp_path / "out").exists()
