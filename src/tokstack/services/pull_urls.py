"""PULL_FROM_URL: which URLs an app may have tokstack download, and the download itself.

No server-side request forgery: the URL must start with one of the app's verified prefixes;
redirects are never followed; outside emulator mode only https to public addresses is
fetched, and the connection goes to the address that was checked (no DNS rebinding between
the check and the connection). Bounded by size and time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tokstack.domain.models import App
from tokstack.domain.posting import MAX_VIDEO_SIZE, PostingError

DOWNLOAD_BUDGET = 3600.0  # TikTok gives a pull one hour


class PullFailed(Exception):
    """The download did not give a whole file (``video_pull_failed``)."""


def checked(url: str, app: App, emulator: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        raise PostingError("source_info.video_url must be an https URL")
    if parts.scheme == "http" and not emulator:
        raise PostingError("source_info.video_url must be an https URL")
    if not any(url.startswith(prefix) for prefix in app.url_prefixes):
        raise PostingError(
            "The URL is not under a domain or URL prefix verified for this app.",
            "url_ownership_unverified",
            403,
        )
    return url


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


async def _resolve(host: str, port: int, emulator: bool) -> str:
    """The address to connect to; private, loopback and link-local ones only in emulator mode."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise PullFailed(f"{host} has no address")
    if not emulator and not all(_public(a) for a in addresses):
        raise PullFailed(f"{host} resolves to a private or local address")
    return addresses[0]


async def download(
    url: str, target: Path, emulator: bool, budget: float = DOWNLOAD_BUDGET,
    max_bytes: int = MAX_VIDEO_SIZE,
) -> int:  # fmt: skip
    """Streams ``url`` into ``target``; the byte count, or PullFailed."""
    import httpx

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = await _resolve(host, port, emulator)
    except OSError as exc:
        raise PullFailed(f"cannot resolve {host}: {exc}") from None
    literal = f"[{address}]" if ":" in address else address
    pinned = urlunsplit(parts._replace(netloc=f"{literal}:{port}"))
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "tokstack-pull"}
    deadline = time.monotonic() + budget
    received = 0
    try:
        async with (
            httpx.AsyncClient(follow_redirects=False, timeout=30.0) as client,
            client.stream(
                "GET", pinned, headers=headers, extensions={"sni_hostname": host}
            ) as answer,
        ):
            if answer.status_code != 200:
                raise PullFailed(f"HTTP {answer.status_code} (redirects are not followed)")
            with target.open("wb") as handle:
                async for piece in answer.aiter_bytes(1024 * 1024):
                    received += len(piece)
                    if received > max_bytes:
                        raise PullFailed(f"the file is over {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise PullFailed("the download took over an hour")
                    handle.write(piece)
    except httpx.HTTPError as exc:
        raise PullFailed(f"{type(exc).__name__}: {exc}") from None
    if received == 0:
        raise PullFailed("the answer was empty")
    return received
