"""Reading form bodies the way TikTok's endpoints accept them.

Every malformed body (a multipart body without a boundary, garbage parts, too many fields, an
oversized part, a body that is not a form) is an ``InvalidRequest``: a 400 in the route's own
error shape. Bodies over the route's size limit fail earlier, in ``tokstack.web.limits``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from tokstack.errors import InvalidRequest
from tokstack.web.limits import FORM_LIMIT, UPLOAD_LIMIT

MAX_FIELDS = 100
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_A_FORM = (
    "The request body must be application/x-www-form-urlencoded (a JSON or other body is not read)."
)


NUL_REFUSED = "The request parameters are malformed: a parameter contains a NUL character."


def refuse_nul(*texts: str) -> None:
    """NUL cannot be stored by PostgreSQL nor typed by a person: refused on every backend
    alike, before it reaches storage (where it would be a driver error, not a 400)."""
    for text in texts:
        if "\x00" in text:
            raise InvalidRequest(NUL_REFUSED, detail="NUL in a parameter")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _multipart(request: Request, *, max_files: int, max_part_size: int) -> FormData:
    try:
        return await request.form(
            max_files=max_files, max_fields=MAX_FIELDS, max_part_size=max_part_size
        )
    except HTTPException as exc:  # Starlette's wrapping of python-multipart's errors
        raise InvalidRequest(
            f"The request body is malformed: {exc.detail}", detail=f"multipart: {exc.detail}"
        ) from None


async def form_fields(request: Request) -> dict[str, str]:
    """First value of each field of an urlencoded (or multipart) body; query string ignored."""
    media_type = _media_type(request)
    if media_type == "multipart/form-data":
        form = await _multipart(request, max_files=0, max_part_size=FORM_LIMIT)
        fields: dict[str, str] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                refuse_nul(key, value)
                fields.setdefault(key, value)
        return fields
    body = await request.body()
    if media_type not in ("", FORM_TYPES[0]) and body:
        raise InvalidRequest(NOT_A_FORM, detail=f"content-type {media_type!r}")
    fields = {}
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    if len(pairs) > MAX_FIELDS:
        raise InvalidRequest(f"The request body is malformed: more than {MAX_FIELDS} fields.")
    for key, value in pairs:
        refuse_nul(key, value)
        fields.setdefault(key, value)
    return fields


async def form_lists(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single values (the first of each) and repeated values (checkbox groups) of a form."""
    if _media_type(request) not in FORM_TYPES:
        raise InvalidRequest(NOT_A_FORM, detail=f"content-type {_media_type(request)!r}")
    form = await _multipart(request, max_files=0, max_part_size=FORM_LIMIT)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            refuse_nul(key, value)
            single.setdefault(key, value)
            multi.setdefault(key, []).append(value)
    return single, multi


async def upload(request: Request, field: str) -> tuple[str, bytes]:
    """The CSRF token and the bytes of one uploaded file of a multipart form."""
    if _media_type(request) != "multipart/form-data":
        raise InvalidRequest("The upload must be a multipart/form-data form.")
    form = await _multipart(request, max_files=1, max_part_size=UPLOAD_LIMIT)
    sent = form.get(field)
    data = await sent.read() if sent is not None and not isinstance(sent, str) else b""
    csrf = str(form.get("csrf") or "")
    refuse_nul(csrf)
    return csrf, data


async def video_upload(request: Request, field: str) -> tuple[dict[str, str], UploadFile | None]:
    """The text fields and the one file of a multipart form; the file is spooled to disk by
    Starlette past 1 MB, never held whole in memory."""
    if _media_type(request) != "multipart/form-data":
        raise InvalidRequest("The upload must be a multipart/form-data form.")
    form = await _multipart(request, max_files=1, max_part_size=FORM_LIMIT)
    fields: dict[str, str] = {}
    sent: UploadFile | None = None
    for key, value in form.multi_items():
        if isinstance(value, str):
            refuse_nul(key, value)
            fields.setdefault(key, value)
        elif key == field and value.filename:
            sent = value
    return fields, sent


def first_values(request: Request) -> dict[str, str]:
    """The query string with the first value of each repeated parameter, the rule of every
    endpoint (the token endpoint's form and the user-info path read the first one too)."""
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        refuse_nul(key, value)
        values.setdefault(key, value)
    return values
