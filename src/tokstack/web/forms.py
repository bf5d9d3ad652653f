"""Reading form bodies the way TikTok's endpoints accept them."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_BODY = 64 * 1024


async def form_fields(request: Request) -> dict[str, str]:
    """First value of each field of an urlencoded (or multipart) body; query string ignored."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    body = await request.body()
    if len(body) > MAX_BODY:
        return {}
    fields: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, value)
    return fields


async def form_lists(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single values and repeated values (checkbox groups) of a browser form."""
    form = await request.form()
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            single.setdefault(key, value)
            multi.setdefault(key, []).append(value)
    return single, multi


MAX_UPLOAD = 11 * 1024 * 1024  # images are refused over 10 MB with a clear message


async def upload(request: Request, field: str) -> tuple[str, bytes]:
    """The CSRF token and the bytes of one uploaded file of a multipart form."""
    form = await request.form(max_files=1, max_part_size=MAX_UPLOAD)
    sent = form.get(field)
    data = await sent.read() if sent is not None and not isinstance(sent, str) else b""
    return str(form.get("csrf") or ""), data
