"""Pieces the OpenAPI modules share: media types, answers, parameters and operations."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

TEXT = {"text/plain": {"schema": {"type": "string"}}}
HTML = {"text/html": {"schema": {"type": "string"}}}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
FORM = "application/x-www-form-urlencoded"
LOG_ID = {"x-tt-logid": {"$ref": "#/components/headers/LogId"}}
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}},
}
WRONG_METHOD = {
    "description": "TikTok's gateway answer for a method this path does not serve.",
    "content": {"text/plain": {"schema": {"type": "string", "const": "Unsupported path(Janus)"}}},
}


def html_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": HTML}


def redirect_answer(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": {"schema": {"type": "string"}}},
    }


def oauth_answer(description: str, *, retry: bool = False) -> dict[str, Any]:
    headers = {**LOG_ID, **(RETRY_AFTER if retry else {})}
    return {
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}},
    }


def v2_answer(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": LOG_ID,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


def v2_data(description: str, data: dict[str, Any]) -> dict[str, Any]:
    """A 200 answer in the v2 envelope whose ``data`` holds these properties."""
    return {
        "description": description,
        "headers": LOG_ID,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["data", "error"],
                    "properties": {
                        "data": {"type": "object", "properties": data},
                        "error": {"$ref": "#/components/schemas/Error"},
                    },
                }
            }
        },
    }


def form_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {FORM: {"schema": schema}}}


def page_op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    # every page can also answer 503 (a backend is down) with the error page
    return {
        "summary": summary,
        "tags": ["pages"],
        "responses": {**responses, "503": html_answer("A backend is unavailable: an error page.")},
        **extra,
    }


def query_param(name: str, description: str = "", required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


FORM_REFUSED = html_answer(
    "An error page: a malformed body, or a form not loaded by this browser (403)."
)
TOO_LARGE_PAGE = html_answer("The body is over the route's limit (docs/limits.md).")
CSRF = {"csrf": {"type": "string"}}


CONTROL_ERROR = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        }
    }
}


def control_op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    error = {"content": CONTROL_ERROR}
    return {
        "summary": summary,
        "tags": ["emulator control (emulator mode only)"],
        "responses": {
            **responses,
            "401": {"description": "TOKSTACK_EMULATOR_TOKEN is set and was not sent.", **error},
            "503": {"description": "A backend is unavailable.", **error},
        },
        **extra,
    }


def signed_image(summary: str, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JPEG (or ``content``) behind a signed, expiring URL (``x-expires``, ``x-signature``),
    as TikTok's CDN hands them out."""
    return {
        "get": {
            "summary": summary,
            "tags": ["operations"],
            "parameters": [
                path_param("name"),
                query_param("x-expires", "Unix time", required=True),
                query_param("x-signature", "", required=True),
            ],
            "responses": {
                "200": {
                    "description": "The file.",
                    "content": content or {"image/jpeg": {"schema": {"type": "string"}}},
                },
                "403": {"description": "Bad or expired signature.", "content": TEXT},
            },
        }
    }
