"""The OpenAPI document served at ``/openapi.json``.

``openapi.json`` (beside this module) holds TikTok's API: the v2 endpoints with their request
and response schemas. This module adds, at import, what every other public route answers (the
authorize alias, the login and consent steps, Minis, avatars, icons, the pages, operations),
the statuses every route can send (413, 503, 429 with ``Retry-After``), and the 404 that
TikTok's gateway gives a method a path does not serve, declared on every path. A test runs
schemathesis against the served document (``tests/api/test_schemathesis.py``).
"""

from __future__ import annotations

import copy
from importlib.resources import files
from typing import Any

import orjson

from tokstack.web.openapi_parts import (
    FORM,
    JSON_OBJECT,
    LOG_ID,
    METHODS,
    RETRY_AFTER,
    TEXT,
    WRONG_METHOD,
    html_answer,
    oauth_answer,
    page_op,
    path_param,
    signed_image,
    v2_answer,
)


def _api_extras(doc: dict[str, Any]) -> None:
    """Statuses the v2 endpoints send besides their documented answers."""
    paths = doc["paths"]
    info = paths["/v2/user/info/"]["get"]["responses"]
    info["429"]["headers"] = {**LOG_ID, **RETRY_AFTER}
    info["503"] = v2_answer("A backend is unavailable (internal_error with status 503).")
    for path, name in (("/v2/oauth/token/", "token"), ("/v2/oauth/revoke/", "revoke")):
        responses = paths[path]["post"]["responses"]
        responses["400"]["description"] = (
            "invalid_request (including a malformed body, or a body that is not"
            " application/x-www-form-urlencoded), invalid_grant, unsupported_grant_type"
        )
        responses["413"] = oauth_answer("invalid_request: the body is over 16 KiB.")
        responses["503"] = oauth_answer("temporarily_unavailable: a backend is down.")
        if name == "token":
            responses["429"] = oauth_answer("rate_limit_exceeded, per client_key.", retry=True)
        body = paths[path]["post"]["requestBody"]["content"]
        body["multipart/form-data"] = copy.deepcopy(body[FORM])
    authorize = paths["/v2/auth/authorize/"]["get"]
    authorize["responses"]["503"] = html_answer("A backend is unavailable: an error page.")
    paths["/v2/auth/authorize"] = {"get": {**authorize, "summary": "Alias of /v2/auth/authorize/"}}


def _public_and_ops() -> dict[str, Any]:
    return {
        "/": {
            "get": page_op(
                "The home page.", {"200": html_answer("Links; demo data in emulator mode.")}
            )
        },
        "/@{username}": {
            "get": page_op(
                "A user's public profile (where profile_web_link points).",
                {"200": html_answer("The profile."), "404": html_answer("No such (active) user.")},
                parameters=[path_param("username")],
            )
        },
        "/tos-avt-0068-tx/{name}": signed_image(
            "A signed, expiring avatar URL (100, 168 or 1080 px square JPEG)."
        ),
        "/static/{name}": {
            "get": {
                "summary": "Stylesheets and scripts of the pages.",
                "tags": ["pages"],
                "parameters": [path_param("name")],
                "responses": {
                    "200": {"description": "The file.", "content": {"*/*": {}}},
                    "404": {"description": "No such file.", "content": TEXT},
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness: 200 while the process serves.",
                "tags": ["operations"],
                "responses": {"200": {"description": "alive", "content": JSON_OBJECT}},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: every backend answered within TOKSTACK_READINESS_TIMEOUT.",
                "tags": ["operations"],
                "responses": {
                    "200": {"description": "ready", "content": JSON_OBJECT},
                    "503": {"description": "a backend is down", "content": JSON_OBJECT},
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics.",
                "tags": ["operations"],
                "responses": {"200": {"description": "text exposition format", "content": TEXT}},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "tags": ["operations"],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": JSON_OBJECT}},
            }
        },
    }


def _wrong_methods(doc: dict[str, Any]) -> None:
    """Every method a path does not serve answers TikTok's gateway 404 (HEAD included)."""
    for item in doc["paths"].values():
        parameters = [
            p for op in item.values() if isinstance(op, dict) for p in op.get("parameters", [])
        ]
        path_params = [p for p in parameters if p.get("in") == "path"]
        for method in METHODS:
            if method not in item:
                operation: dict[str, Any] = {
                    "summary": "Not served: TikTok's gateway 404.",
                    "tags": ["wrong methods"],
                    "responses": {"404": WRONG_METHOD},
                }
                if path_params:
                    operation["parameters"] = path_params
                item[method] = operation


def build() -> dict[str, Any]:
    """The whole document (computed once, at import)."""
    doc: dict[str, Any] = orjson.loads(files("tokstack.web").joinpath("openapi.json").read_bytes())
    _api_extras(doc)
    from tokstack.web.openapi_browser import browser_steps, minis
    from tokstack.web.openapi_emulator import emulator  # it builds on the helpers above
    from tokstack.web.openapi_grants import grant_paths
    from tokstack.web.openapi_inspector import inspector_paths
    from tokstack.web.openapi_portal import portal_and_account
    from tokstack.web.openapi_posting import posting_paths
    from tokstack.web.openapi_seed import seed_path, seed_schemas
    from tokstack.web.openapi_video_pages import video_page_paths
    from tokstack.web.openapi_videos import video_paths

    parts = (
        browser_steps(),
        minis(),
        portal_and_account(),
        _public_and_ops(),
        emulator(),
        grant_paths(),
        seed_path(),
        inspector_paths(),
        video_paths(),
        posting_paths(),
        video_page_paths(),
    )
    doc["components"]["schemas"].update(seed_schemas())
    for part in parts:
        doc["paths"].update(part)
    static = doc["paths"]["/static/{name}"]
    static["head"] = {**static["get"], "summary": "Like GET, without the body."}
    _wrong_methods(doc)
    return doc


DOCUMENT = orjson.dumps(build())
