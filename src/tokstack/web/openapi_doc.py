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
    CSRF,
    FORM,
    FORM_REFUSED,
    HTML,
    JSON_OBJECT,
    LOG_ID,
    METHODS,
    RETRY_AFTER,
    TEXT,
    TOO_LARGE_PAGE,
    WRONG_METHOD,
    form_body,
    html_answer,
    oauth_answer,
    page_op,
    path_param,
    query_param,
    redirect_answer,
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


def _browser_steps() -> dict[str, Any]:
    step = [query_param("i", "the pending authorize request", required=True)]
    login = {"username": {"type": "string"}, "password": {"type": "string"}}
    login_form = form_body({"i": {"type": "string"}, **CSRF, **login}, ("i", "csrf"))
    consent = {
        "i": {"type": "string"},
        **CSRF,
        "action": {"type": "string", "enum": ["allow", "deny"]},
        "scope": {"type": "array", "items": {"type": "string"}},
    }
    return {
        "/v2/auth/login/": {
            "get": page_op(
                "The login step of authorize.",
                {"200": html_answer("The login page."), "400": html_answer("The request expired.")},
                parameters=step,
            ),
            "post": page_op(
                "Logs in; on to the consent step.",
                {
                    "303": redirect_answer("On to consent (or back to the app)."),
                    "302": redirect_answer("Back to the app with a code."),
                    "400": FORM_REFUSED,
                    "401": html_answer("Wrong username or password: the page again."),
                    "403": FORM_REFUSED,
                    "413": TOO_LARGE_PAGE,
                    "429": html_answer("Too many failed logins: the page again."),
                },
                requestBody=login_form,
            ),
        },
        "/v2/auth/consent/": {
            "get": page_op(
                "The consent step: one checkbox per scope.",
                {
                    "200": html_answer("The consent page."),
                    "303": redirect_answer("Not logged in: to the login step."),
                    "400": html_answer("The request expired."),
                },
                parameters=step,
            ),
            "post": page_op(
                "Grants (or denies) the ticked scopes.",
                {
                    "302": redirect_answer(
                        "Back to the app with code, scopes and state, or an error."
                    ),
                    "303": redirect_answer("Not logged in: to the login step."),
                    "400": FORM_REFUSED,
                    "403": FORM_REFUSED,
                    "413": TOO_LARGE_PAGE,
                },
                requestBody=form_body(consent, ("i", "csrf")),
            ),
        },
    }


def _minis() -> dict[str, Any]:
    return {
        "/minis/sdk.js": {
            "get": {
                "summary": "The TikTok Minis SDK stand-in (TTMinis.init, login, authorize).",
                "tags": ["minis"],
                "responses": {
                    "200": {
                        "description": "JavaScript",
                        "content": {"application/javascript": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/minis/login": {
            "post": {
                "summary": "Silent login of a Mini: a code for user.info.open_id.",
                "tags": ["minis"],
                "requestBody": form_body({"client_key": {"type": "string"}}),
                "responses": {
                    "200": {"description": "A code, or an error.", "content": JSON_OBJECT},
                    "400": {"description": "A malformed request.", "content": JSON_OBJECT},
                    "401": {"description": "Not logged in.", "content": JSON_OBJECT},
                    "413": {"description": "The body is too large.", "content": JSON_OBJECT},
                    "503": {"description": "A backend is down.", "content": JSON_OBJECT},
                },
            }
        },
        "/minis/callback/": {
            "get": page_op("Where the Minis consent popup lands.", {"200": html_answer("A page.")})
        },
        "/minis/demo/": {
            "get": page_op(
                "A demo Mini using the SDK.",
                {
                    "200": html_answer("The demo page."),
                    "400": html_answer("A NUL character in a parameter."),
                },
                parameters=[query_param("client_key")],
            )
        },
    }


def _portal_and_account() -> dict[str, Any]:
    signed_in = {
        "200": html_answer("The page."),
        "303": redirect_answer("Not signed in: to the login page."),
    }
    posted = {
        "303": redirect_answer("Done: to the next page."),
        "400": FORM_REFUSED,
        "403": FORM_REFUSED,
        "413": TOO_LARGE_PAGE,
    }
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {**CSRF, "file": {"type": "string"}}}
            }
        },
    }
    form = form_body({**CSRF})
    key = [path_param("key")]
    return {
        "/portal/": {"get": page_op("The developer's apps.", signed_in)},
        "/portal/signup": {
            "get": page_op("Sign-up page.", {"200": html_answer("The page.")}),
            "post": page_op("Creates a developer account.", posted, requestBody=form),
        },
        "/portal/login": {
            "get": page_op("Login page.", {"200": html_answer("The page.")}),
            "post": page_op(
                "Signs a developer in.",
                {**posted, "401": html_answer("Wrong email or password.")},
                requestBody=form,
            ),
        },
        "/portal/logout": {"post": page_op("Signs out.", posted, requestBody=form)},
        "/portal/apps/new": {
            "get": page_op("The new-app form.", signed_in),
            "post": page_op("Registers an app.", {**posted, **signed_in}, requestBody=form),
        },
        "/portal/apps/{key}": {
            "get": page_op(
                "An app's page.", {**signed_in, "404": html_answer("No such app.")}, parameters=key
            ),
            "post": page_op(
                "Updates an app.",
                {**posted, **signed_in, "404": html_answer("No such app.")},
                parameters=key,
                requestBody=form,
            ),
        },
        "/portal/apps/{key}/rotate": {
            "post": page_op(
                "Rotates the client secret.",
                {**posted, **signed_in, "404": html_answer("No such app.")},
                parameters=key,
                requestBody=form,
            )
        },
        "/portal/apps/{key}/icon": {
            "post": page_op(
                "Uploads the app icon (10 MB at most).",
                {**posted, **signed_in, "404": html_answer("No such app.")},
                parameters=key,
                requestBody=upload,
            )
        },
        "/app-icons/{key}": {
            "get": {
                "summary": "An app icon.",
                "tags": ["pages"],
                "parameters": key,
                "responses": {
                    "200": {
                        "description": "PNG",
                        "content": {"image/png": {"schema": {"type": "string"}}},
                    },
                    "404": {"description": "No such icon.", "content": TEXT},
                    "503": html_answer("A backend is unavailable."),
                },
            }
        },
        "/account/": {"get": page_op("The user's account page.", signed_in)},
        "/account/login": {
            "get": page_op("Login page.", {"200": html_answer("The page.")}),
            "post": page_op(
                "Logs a user in.",
                {
                    **posted,
                    "401": html_answer("Wrong username or password."),
                    "429": html_answer("Throttled."),
                },
                requestBody=form,
            ),
        },
        "/account/logout": {"post": page_op("Logs out.", posted, requestBody=form)},
        "/account/profile": {
            "post": page_op("Saves the profile.", {**posted, **signed_in}, requestBody=form)
        },
        "/account/password": {
            "post": page_op("Changes the password.", {**posted, **signed_in}, requestBody=form)
        },
        "/account/avatar": {
            "post": page_op(
                "Uploads an avatar (10 MB at most).",
                {**posted, **signed_in},
                requestBody=upload,
            )
        },
        "/account/apps/{authorization_id}/remove": {
            "post": page_op(
                "Removes an authorized app: revokes it and tells the app (reason 1).",
                {
                    **posted,
                    **signed_in,
                    "404": {
                        "description": "No such authorized app (a page), or an id that is not"
                        " a number (the gateway's text 404).",
                        "content": {**HTML, **TEXT},
                    },
                },
                parameters=[
                    {
                        "name": "authorization_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
                requestBody=form,
            )
        },
    }


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
    from tokstack.web.openapi_emulator import emulator  # it builds on the helpers above
    from tokstack.web.openapi_grants import grant_paths
    from tokstack.web.openapi_inspector import inspector_paths
    from tokstack.web.openapi_posting import posting_paths
    from tokstack.web.openapi_seed import seed_path, seed_schemas
    from tokstack.web.openapi_video_pages import video_page_paths
    from tokstack.web.openapi_videos import video_paths

    parts = (
        _browser_steps(),
        _minis(),
        _portal_and_account(),
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
