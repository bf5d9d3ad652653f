"""The OpenAPI part of the Display API's videos: ``/v2/video/list/``, ``/v2/video/query/``
and the signed cover URLs they hand out."""

from __future__ import annotations

from typing import Any

from tokstack.domain.videos import MAX_COUNT, MAX_IDS
from tokstack.web.openapi_parts import query_param, signed_image, v2_answer, v2_data

_INT = {"type": "integer"}
_STR = {"type": "string"}
VIDEO = {
    "type": "object",
    "description": "TikTok's Video Object: only the fields asked for are present.",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
        "create_time": _INT, "cover_image_url": _STR, "share_url": _STR,
        "video_description": _STR, "duration": _INT, "height": _INT, "width": _INT,
        "title": _STR, "embed_html": _STR, "embed_link": _STR, "like_count": _INT,
        "comment_count": _INT, "share_count": _INT, "view_count": _INT,
        "is_aigc": {"type": "boolean"},
    },
}  # fmt: skip


def _operation(summary: str, body: dict[str, Any], data: dict[str, Any], required: bool) -> Any:
    fields = query_param("fields", "Comma-separated Video Object fields", required=True)
    fields["schema"] = {"type": "string", "minLength": 1, "pattern": "[^,\\s]"}
    return {
        "post": {
            "summary": summary,
            "tags": ["Display API"],
            "security": [{"bearer": []}],
            "parameters": [fields],
            "requestBody": {
                "required": required,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                "200": v2_data("The videos.", data),
                "400": v2_answer("invalid_params: a body that is not JSON or out of range."),
                "401": v2_answer("access_token_invalid or scope_not_authorized (video.list)."),
                "413": v2_answer("The body is over the route's limit (docs/limits.md)."),
                "429": v2_answer("rate_limit_exceeded."),
                "500": v2_answer("internal_error."),
            },
        }
    }


def video_paths() -> dict[str, Any]:
    videos = {"type": "array", "items": VIDEO}
    listing = {
        "type": "object",
        "properties": {
            "cursor": {"type": "integer", "minimum": 0, "description": "UNIX milliseconds"},
            "max_count": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
        },
    }
    query = {
        "type": "object",
        "required": ["filters"],
        "properties": {
            "filters": {
                "type": "object",
                "required": ["video_ids"],
                "properties": {
                    "video_ids": {
                        "type": "array", "minItems": 1, "maxItems": MAX_IDS,
                        "items": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    }
                },
            }
        },
    }  # fmt: skip
    return {
        "/v2/video/list/": _operation(
            "The user's public videos, newest first, created before cursor.",
            listing,
            {"videos": videos, "cursor": {"type": "integer"}, "has_more": {"type": "boolean"}},
            required=False,
        ),
        "/v2/video/query/": _operation(
            "The user's own public videos among the ids given (others are left out).",
            query,
            {"videos": videos},
            required=True,
        ),
        "/obj/tos-cover-0068/{name}": signed_image("A signed video cover URL (6 hours)."),
    }
