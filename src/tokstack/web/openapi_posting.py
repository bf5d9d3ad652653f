"""The OpenAPI part of the Content Posting API: creator info, the inits, status, cancel and
the upload URL's PUT."""

from __future__ import annotations

from typing import Any

from tokstack.domain import posting as rules
from tokstack.domain.videos import PRIVACY_LEVELS
from tokstack.web.openapi_parts import LOG_ID, query_param, v2_answer, v2_data

_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_STR = {"type": "string"}
PRIVACY = {"type": "string", "enum": list(PRIVACY_LEVELS)}
SOURCE = {
    "type": "object",
    "required": ["source"],
    "description": "FILE_UPLOAD with video_size, chunk_size, total_chunk_count (TikTok's chunk "
    "rules), or PULL_FROM_URL with video_url under a prefix verified for the app.",
    "properties": {
        "source": {"type": "string", "enum": [rules.FILE_UPLOAD, rules.PULL_FROM_URL]},
        "video_size": {"type": "integer", "minimum": 1, "maximum": rules.MAX_VIDEO_SIZE},
        "chunk_size": {"type": "integer", "minimum": 1, "maximum": rules.MAX_CHUNK},
        "total_chunk_count": {"type": "integer", "minimum": 1, "maximum": rules.MAX_CHUNKS},
        "video_url": {"type": "string", "format": "uri"},
    },
}
POST_INFO = {
    "type": "object",
    "required": ["privacy_level"],
    "properties": {
        "title": {"type": "string", "description": "At most 2200 UTF-16 units."},
        "privacy_level": PRIVACY,
        "disable_duet": _BOOL, "disable_comment": _BOOL, "disable_stitch": _BOOL,
        "video_cover_timestamp_ms": {"type": "integer", "minimum": 0},
        "brand_content_toggle": _BOOL, "brand_organic_toggle": _BOOL, "is_aigc": _BOOL,
    },
}  # fmt: skip
REFUSALS = ", ".join(sorted(rules.POSTING_ERRORS))


def _operation(
    summary: str, scope: str, data: dict[str, Any], body: dict[str, Any] | None
) -> dict[str, Any]:
    responses = {
        "200": v2_data(summary, data),
        "400": v2_answer("invalid_params (a body that is not JSON, or breaks a rule), or "
                         "privacy_level_option_mismatch."),
        "401": v2_answer(f"access_token_invalid or scope_not_authorized ({scope})."),
        "403": v2_answer(f"The posting API's own refusals: {REFUSALS}."),
        "413": v2_answer("The body is over the route's limit (docs/limits.md)."),
        "429": v2_answer("rate_limit_exceeded (per access token)."),
        "500": v2_answer("internal_error."),
    }  # fmt: skip
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["Content Posting API"],
        "security": [{"bearer": []}],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return {"post": operation}


def _upload() -> dict[str, Any]:
    def answer(description: str) -> dict[str, Any]:
        return {"description": description, "headers": LOG_ID}

    return {
        "put": {
            "summary": "One chunk of a FILE_UPLOAD, in order (the upload_url of an init).",
            "tags": ["Content Posting API"],
            "parameters": [
                query_param("upload_id", "The publish_id", required=True),
                query_param("upload_token", "The URL's signature (1 hour)", required=True),
                {
                    "name": "Content-Range",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^bytes [0-9]+-[0-9]+/[0-9]+$"},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in (
                        "application/octet-stream",
                        "video/mp4",
                        "video/quicktime",
                        "video/webm",
                    )
                },
            },
            "responses": {
                "201": answer("The last chunk is in: processing starts."),
                "206": answer("The chunk is in; send the next."),
                "400": answer("A malformed Content-Range, a wrong total or chunk size."),
                "403": answer("The URL is not valid, has expired, or the upload is closed."),
                "404": answer("No such upload."),
                "413": answer("Over 128 MB."),
                "416": answer("The range does not continue the upload."),
            },
        }
    }


def posting_paths() -> dict[str, Any]:
    init_data = {"publish_id": _STR, "upload_url": _STR}
    publish_id = {
        "type": "object",
        "required": ["publish_id"],
        "properties": {"publish_id": {"type": "string", "minLength": 1, "maxLength": 64}},
    }
    return {
        "/v2/post/publish/creator_info/query/": _operation(
            "The creator's name, avatar and posting options.",
            "video.publish",
            {
                "creator_avatar_url": _STR,
                "creator_username": _STR,
                "creator_nickname": _STR,
                "privacy_level_options": {"type": "array", "items": PRIVACY},
                "comment_disabled": _BOOL,
                "duet_disabled": _BOOL,
                "stitch_disabled": _BOOL,
                "max_video_post_duration_sec": _INT,
            },
            None,
        ),
        "/v2/post/publish/video/init/": _operation(
            "Starts a direct post: a publish_id, and the upload_url for FILE_UPLOAD.",
            "video.publish",
            init_data,
            {
                "type": "object",
                "required": ["post_info", "source_info"],
                "properties": {"post_info": POST_INFO, "source_info": SOURCE},
            },
        ),
        "/v2/post/publish/inbox/video/init/": _operation(
            "Starts an upload to the creator's drafts (inbox).",
            "video.upload",
            init_data,
            {"type": "object", "required": ["source_info"], "properties": {"source_info": SOURCE}},
        ),
        "/v2/post/publish/content/init/": _operation(
            "Starts a photo post (PULL_FROM_URL, up to 35 JPEG or WebP images).",
            "video.publish (DIRECT_POST) or video.upload (MEDIA_UPLOAD)",
            {"publish_id": _STR},
            {
                "type": "object",
                "required": ["media_type", "post_mode", "source_info"],
                "properties": {
                    "media_type": {"type": "string", "enum": ["PHOTO"]},
                    "post_mode": {"type": "string", "enum": ["DIRECT_POST", "MEDIA_UPLOAD"]},
                    "post_info": {
                        "type": "object",
                        "properties": {
                            "title": {"type": "string", "maxLength": 90},
                            "description": {"type": "string", "maxLength": 4000},
                            "privacy_level": PRIVACY,
                            "disable_comment": _BOOL,
                            "auto_add_music": _BOOL,
                        },
                    },
                    "source_info": {
                        "type": "object",
                        "required": ["source", "photo_images"],
                        "properties": {
                            "source": {"type": "string", "enum": [rules.PULL_FROM_URL]},
                            "photo_images": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 35,
                                "items": {"type": "string", "format": "uri"},
                            },
                            "photo_cover_index": {"type": "integer", "minimum": 0},
                        },
                    },
                },
            },
        ),
        "/v2/post/publish/status/fetch/": _operation(
            "Where a publish stands.",
            "video.publish or video.upload",
            {
                "status": {
                    "type": "string",
                    "enum": [
                        *rules.PENDING,
                        rules.SEND_TO_USER_INBOX,
                        rules.PUBLISH_COMPLETE,
                        rules.FAILED,
                    ],
                },
                "fail_reason": {"type": "string", "enum": list(rules.FAIL_REASONS)},
                "publicaly_available_post_id": {"type": "array", "items": _INT},
                "uploaded_bytes": _INT,
                "downloaded_bytes": _INT,
            },
            publish_id,
        ),
        "/v2/post/publish/cancel/": _operation(
            "Cancels a publish still processing.", "video.publish or video.upload", {}, publish_id
        ),
        "/upload/video/": _upload(),
    }
