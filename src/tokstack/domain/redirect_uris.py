"""TikTok's redirect-URI registration rules per platform (reference section 2.2).

Emulator mode adds one rule TikTok does not have: web apps may register plain-http loopback
callbacks, so an integrator's app on a laptop or in CI needs no TLS.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

PLATFORMS = ("web", "desktop", "ios", "android", "mini")
MAX_URIS = 10
MAX_LENGTH = 512  # "each under 512 characters"
DESKTOP_HOSTS = ("localhost", "127.0.0.1")  # TikTok's desktop rule names exactly these
EMULATOR_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
WILDCARD = ":*"
EMULATOR_HINT = (
    "http:// callbacks on localhost, 127.0.0.1 and [::1] are allowed only in emulator mode"
    " (run `tokstack serve --demo`, or set TOKSTACK_DEMO=1 for the CLI)"
)


def problem(platform: str, uri: str, *, emulator: bool = False) -> str | None:
    """Why ``uri`` cannot be registered for ``platform``, or None when it can."""
    try:
        return _problem(platform, uri, emulator=emulator)
    except ValueError:  # urlsplit: "https://[::1/cb", "https://[zz]/cb"
        return "is not a valid URL"


def _problem(platform: str, uri: str, *, emulator: bool) -> str | None:
    if len(uri) >= MAX_LENGTH:
        return "must be shorter than 512 characters"
    if any(c.isspace() for c in uri):
        return "must not contain spaces"
    if "#" in uri:
        return "must not contain a fragment (#)"
    if "?" in uri:
        return "must be static: query parameters are not allowed"
    if "*" in uri and not (platform == "desktop" and _wildcard_port(uri)):
        return (
            "* is allowed only as the port of a desktop app's loopback URI (http://127.0.0.1:*/…)"
        )
    if platform == "desktop":
        return _desktop_problem(uri)
    parts = urlsplit(uri)
    port_problem = _port_problem(parts)
    if port_problem:
        return port_problem
    if parts.scheme == "http" and parts.hostname in EMULATOR_LOOPBACK_HOSTS:
        if emulator and platform == "web":
            return None
        return "must be an absolute https URL; " + EMULATOR_HINT
    if parts.scheme != "https":
        return "must be an absolute https URL"
    if not parts.hostname:
        return "must name a host"
    return None


def _wildcard_port(uri: str) -> bool:
    """``*`` appears once, as the whole port of a desktop loopback URI."""
    if uri.count("*") != 1 or WILDCARD not in uri:
        return False
    head, _, tail = uri.partition(WILDCARD)
    parts = urlsplit(head)
    return (
        parts.scheme in ("http", "https")
        and parts.port is None
        and parts.hostname in DESKTOP_HOSTS
        and head == f"{parts.scheme}://{parts.netloc}"
        and (tail == "" or tail.startswith("/"))
    )


def _port_problem(parts: SplitResult) -> str | None:
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "has an invalid port"
    return None


def _desktop_problem(uri: str) -> str | None:
    wildcard = WILDCARD in uri
    parts = urlsplit(uri.replace(WILDCARD, ":0", 1) if wildcard else uri)
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if parts.hostname not in DESKTOP_HOSTS:
        return "desktop apps may only use localhost or 127.0.0.1"
    port_problem = _port_problem(parts)
    if port_problem:
        return port_problem
    if parts.port is None:
        return "must name a port (or * for any port)"
    return None


def problems(platform: str, uris: Sequence[str], *, emulator: bool = False) -> dict[str, str]:
    """Every bad URI with its reason; also flags too many URIs and duplicates."""
    found: dict[str, str] = {}
    if platform not in PLATFORMS:
        return {"platform": f"must be one of {', '.join(PLATFORMS)}"}
    if len(uris) > MAX_URIS:
        found["redirect_uri"] = f"at most {MAX_URIS} redirect URIs are allowed"
    if not uris and platform != "mini":
        found["redirect_uri"] = f"{platform} apps need at least one redirect URI"
    for uri in uris:
        reason = problem(platform, uri, emulator=emulator)
        if reason:
            found[uri] = reason
    return found


def matches(platform: str, registered: str, requested: str) -> bool:
    """Exact match, except a desktop app's ``:*`` loopback port stands for any port.

    A ``*`` registered for any other platform (rows older than this rule) matches only
    itself, literally.
    """
    if registered == requested:
        return True
    if platform != "desktop" or not _wildcard_port(registered):
        return False
    head, _, tail = registered.partition(WILDCARD)
    if not requested.startswith(head + ":"):
        return False
    rest = requested[len(head) + 1 :]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return 0 < digits <= 5 and int(rest[:digits]) <= 65535 and rest[digits:] == tail
