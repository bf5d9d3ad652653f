"""TikTok's redirect-URI registration rules per platform (reference section 2.2)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

PLATFORMS = ("web", "desktop", "ios", "android", "mini")
MAX_URIS = 10
MAX_LENGTH = 512  # "each under 512 characters"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def problem(platform: str, uri: str) -> str | None:
    """Why ``uri`` cannot be registered for ``platform``, or None when it can."""
    if len(uri) >= MAX_LENGTH:
        return "must be shorter than 512 characters"
    if any(c.isspace() for c in uri):
        return "must not contain spaces"
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return "must not contain a fragment (#)"
    if parts.query or "?" in uri:
        return "must be static: query parameters are not allowed"
    if platform == "desktop":
        return _desktop_problem(uri)
    if parts.scheme != "https":
        return "must be an absolute https URL"
    if not parts.hostname:
        return "must name a host"
    return None


def _desktop_problem(uri: str) -> str | None:
    parts = urlsplit(uri.replace(":*", ":0", 1))
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if parts.hostname not in LOOPBACK_HOSTS:
        return "desktop apps may only use localhost or 127.0.0.1"
    try:
        port = parts.port
    except ValueError:
        return "has an invalid port"
    if port is None:
        return "must name a port (or * for any port)"
    return None


def problems(platform: str, uris: Sequence[str]) -> dict[str, str]:
    """Every bad URI with its reason; also flags too many URIs and duplicates."""
    found: dict[str, str] = {}
    if platform not in PLATFORMS:
        return {"platform": f"must be one of {', '.join(PLATFORMS)}"}
    if len(uris) > MAX_URIS:
        found["redirect_uri"] = f"at most {MAX_URIS} redirect URIs are allowed"
    for uri in uris:
        reason = problem(platform, uri)
        if reason:
            found[uri] = reason
    return found


def matches(registered: str, requested: str) -> bool:
    """Exact match, except a desktop ``:*`` wildcard port stands for any port."""
    if registered == requested:
        return True
    if ":*" not in registered:
        return False
    head, _, tail = registered.partition(":*")
    if not requested.startswith(head + ":"):
        return False
    rest = requested[len(head) + 1 :]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return 0 < digits <= 5 and rest[digits:] == tail
