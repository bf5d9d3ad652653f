"""Redacting secrets from what the request journal keeps, so a journal can be pasted anywhere.

Client secrets and passwords go entirely; tokens, codes and verifiers keep their prefix
(``act.``, ``rft.``, ``clt.``) and their last 4 characters, enough to tell them apart.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "[redacted]"
WHOLLY = frozenset({"client_secret", "password", "csrf", "secret", "upload_token"})
PARTLY = frozenset({"access_token", "refresh_token", "token", "code", "code_verifier"})
# in a JSON answer "code" is TikTok's error code, not an authorization code
IN_ANSWERS = frozenset({"access_token", "refresh_token", "client_secret", "upload_url"})
URLS = frozenset({"upload_url"})  # a URL whose query carries a secret


def shorten(value: str) -> str:
    """``act.…abcd``: the prefix up to the first dot (if short) and the last 4 characters."""
    head = value.split(".", 1)[0] + "." if "." in value[:5] else ""
    if len(value) <= len(head) + 8:  # too short to show any of it safely
        return f"{head}…"
    return f"{head}…{value[-4:]}"


def field(name: str, value: Any, partly: frozenset[str] = PARTLY) -> Any:
    if not isinstance(value, str):
        return redact(value, partly)
    if name in WHOLLY:
        return HIDDEN
    if name in URLS:
        return url(value)
    if name in partly:
        return shorten(value)
    return value


def redact(data: Any, partly: frozenset[str] = PARTLY) -> Any:
    """A copy of JSON-like ``data`` with every secret-bearing field redacted (``partly``:
    the names cut to prefix and last 4; a request's own parameters by default)."""
    if isinstance(data, dict):
        return {key: field(str(key), value, partly) for key, value in data.items()}
    if isinstance(data, list):
        return [redact(item, partly) for item in data]
    return data


def answer(data: Any) -> Any:
    """A JSON answer with its tokens and secrets redacted."""
    return redact(data, IN_ANSWERS)


def authorization(header: str) -> str:
    scheme, _, credentials = header.partition(" ")
    return f"{scheme} {shorten(credentials)}" if credentials else shorten(header)


def url(location: str) -> str:
    """A redirect target with its ``code`` (or any secret) parameter redacted."""
    parts = urlsplit(location)
    if not parts.query:
        return location
    pairs = [(k, str(field(k, v))) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="…")))
