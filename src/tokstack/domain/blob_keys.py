"""The names a blob may have in every store (a file name, an S3 object key)."""

from __future__ import annotations

import re

_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.~-]{1,200}$")


def safe_key(key: str) -> str:
    """The key, if it is letters, digits and ``_.~-`` (no leading dot); else ValueError."""
    if not _SAFE_KEY.match(key) or key.startswith("."):
        raise ValueError(f"invalid blob key {key!r}")
    return key
