"""The OpenAPI part of the control API's grants: ``POST /_tokstack/tokens`` and
``POST /_tokstack/authorize`` (tokens or a code for a user, without a browser)."""

from __future__ import annotations

from typing import Any

from tokstack.web.openapi_parts import CONTROL_ERROR, JSON_OBJECT, control_op

# who is granted what: the fields both calls share
WHO: dict[str, Any] = {
    "client_key": {"type": "string", "minLength": 1},
    "username": {"type": "string", "minLength": 1},
    "scopes": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    },
}


def grant_paths() -> dict[str, Any]:
    return {
        "/_tokstack/tokens": {
            "post": control_op(
                "Tokens for a user of an app: the token endpoint's answer (as token issue).",
                {
                    "200": {
                        "description": "The token endpoint's body.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/TokenResponse"}
                            }
                        },
                    },
                    "400": {"description": "A bad request.", "content": CONTROL_ERROR},
                    "404": {"description": "No such app or user.", "content": CONTROL_ERROR},
                    "413": {"description": "The body is over 16 KiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["client_key", "username", "scopes"],
                                "properties": {
                                    **WHO,
                                },
                            }
                        }
                    },
                },
            )
        },
        "/_tokstack/authorize": {
            "post": control_op(
                "A user's consent without a browser: the request gets the checks of"
                " /v2/auth/authorize/ and the answer is the redirect the app would receive"
                " (with a code, or with a redirect error such as invalid_scope). Fault rules"
                " on authorize are not applied here.",
                {
                    "200": {
                        "description": "The redirect: code, scopes, state and redirect_url,"
                        " or error, error_description, state and redirect_url.",
                        "content": JSON_OBJECT,
                    },
                    "400": {
                        "description": "A bad body, an unknown client_key or an unregistered"
                        " redirect_uri (the browser would see an error page).",
                        "content": CONTROL_ERROR,
                    },
                    "404": {"description": "No such user.", "content": CONTROL_ERROR},
                    "413": {"description": "The body is over 16 KiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["client_key", "username", "scopes", "redirect_uri"],
                                "properties": {
                                    **WHO,
                                    "redirect_uri": {"type": "string", "minLength": 1},
                                    "state": {"type": "string"},
                                    "code_challenge": {"type": "string"},
                                    "code_challenge_method": {"type": "string", "enum": ["S256"]},
                                },
                            }
                        }
                    },
                },
            )
        },
    }
