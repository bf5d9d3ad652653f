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


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": HTML}


def _redirect(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": {"schema": {"type": "string"}}},
    }


def _oauth(description: str, *, retry: bool = False) -> dict[str, Any]:
    headers = {**LOG_ID, **(RETRY_AFTER if retry else {})}
    return {
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}},
    }


def _v2(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": LOG_ID,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


def _form_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {FORM: {"schema": schema}}}


def _page_op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    # every page can also answer 503 (a backend is down) with the error page
    return {
        "summary": summary,
        "tags": ["pages"],
        "responses": {**responses, "503": _html("A backend is unavailable: an error page.")},
        **extra,
    }


def _query(name: str, description: str = "", required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


FORM_REFUSED = _html("An error page: a malformed body, or a form not loaded by this browser (403).")
TOO_LARGE_PAGE = _html("The body is over the route's limit (docs/limits.md).")
CSRF = {"csrf": {"type": "string"}}


def _api_extras(doc: dict[str, Any]) -> None:
    """Statuses the v2 endpoints send besides their documented answers."""
    paths = doc["paths"]
    info = paths["/v2/user/info/"]["get"]["responses"]
    info["429"]["headers"] = {**LOG_ID, **RETRY_AFTER}
    info["503"] = _v2("A backend is unavailable (internal_error with status 503).")
    for path, name in (("/v2/oauth/token/", "token"), ("/v2/oauth/revoke/", "revoke")):
        responses = paths[path]["post"]["responses"]
        responses["400"]["description"] = (
            "invalid_request (including a malformed body, or a body that is not"
            " application/x-www-form-urlencoded), invalid_grant, unsupported_grant_type"
        )
        responses["413"] = _oauth("invalid_request: the body is over 16 KiB.")
        responses["503"] = _oauth("temporarily_unavailable: a backend is down.")
        if name == "token":
            responses["429"] = _oauth("rate_limit_exceeded, per client_key.", retry=True)
        body = paths[path]["post"]["requestBody"]["content"]
        body["multipart/form-data"] = copy.deepcopy(body[FORM])
    authorize = paths["/v2/auth/authorize/"]["get"]
    authorize["responses"]["503"] = _html("A backend is unavailable: an error page.")
    paths["/v2/auth/authorize"] = {"get": {**authorize, "summary": "Alias of /v2/auth/authorize/"}}


def _browser_steps() -> dict[str, Any]:
    step = [_query("i", "the pending authorize request", required=True)]
    login = {"username": {"type": "string"}, "password": {"type": "string"}}
    login_form = _form_body({"i": {"type": "string"}, **CSRF, **login}, ("i", "csrf"))
    consent = {
        "i": {"type": "string"},
        **CSRF,
        "action": {"type": "string", "enum": ["allow", "deny"]},
        "scope": {"type": "array", "items": {"type": "string"}},
    }
    return {
        "/v2/auth/login/": {
            "get": _page_op(
                "The login step of authorize.",
                {"200": _html("The login page."), "400": _html("The request expired.")},
                parameters=step,
            ),
            "post": _page_op(
                "Logs in; on to the consent step.",
                {
                    "303": _redirect("On to consent (or back to the app)."),
                    "302": _redirect("Back to the app with a code."),
                    "400": FORM_REFUSED,
                    "401": _html("Wrong username or password: the page again."),
                    "403": FORM_REFUSED,
                    "413": TOO_LARGE_PAGE,
                    "429": _html("Too many failed logins: the page again."),
                },
                requestBody=login_form,
            ),
        },
        "/v2/auth/consent/": {
            "get": _page_op(
                "The consent step: one checkbox per scope.",
                {
                    "200": _html("The consent page."),
                    "303": _redirect("Not logged in: to the login step."),
                    "400": _html("The request expired."),
                },
                parameters=step,
            ),
            "post": _page_op(
                "Grants (or denies) the ticked scopes.",
                {
                    "302": _redirect("Back to the app with code, scopes and state, or an error."),
                    "303": _redirect("Not logged in: to the login step."),
                    "400": FORM_REFUSED,
                    "403": FORM_REFUSED,
                    "413": TOO_LARGE_PAGE,
                },
                requestBody=_form_body(consent, ("i", "csrf")),
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
                "requestBody": _form_body({"client_key": {"type": "string"}}),
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
            "get": _page_op("Where the Minis consent popup lands.", {"200": _html("A page.")})
        },
        "/minis/demo/": {
            "get": _page_op(
                "A demo Mini using the SDK.",
                {"200": _html("The demo page."), "400": _html("A NUL character in a parameter.")},
                parameters=[_query("client_key")],
            )
        },
    }


def _portal_and_account() -> dict[str, Any]:
    signed_in = {
        "200": _html("The page."),
        "303": _redirect("Not signed in: to the login page."),
    }
    posted = {
        "303": _redirect("Done: to the next page."),
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
    form = _form_body({**CSRF})
    key = [_path("key")]
    return {
        "/portal/": {"get": _page_op("The developer's apps.", signed_in)},
        "/portal/signup": {
            "get": _page_op("Sign-up page.", {"200": _html("The page.")}),
            "post": _page_op("Creates a developer account.", posted, requestBody=form),
        },
        "/portal/login": {
            "get": _page_op("Login page.", {"200": _html("The page.")}),
            "post": _page_op(
                "Signs a developer in.",
                {**posted, "401": _html("Wrong email or password.")},
                requestBody=form,
            ),
        },
        "/portal/logout": {"post": _page_op("Signs out.", posted, requestBody=form)},
        "/portal/apps/new": {
            "get": _page_op("The new-app form.", signed_in),
            "post": _page_op("Registers an app.", {**posted, **signed_in}, requestBody=form),
        },
        "/portal/apps/{key}": {
            "get": _page_op(
                "An app's page.", {**signed_in, "404": _html("No such app.")}, parameters=key
            ),
            "post": _page_op(
                "Updates an app.",
                {**posted, **signed_in, "404": _html("No such app.")},
                parameters=key,
                requestBody=form,
            ),
        },
        "/portal/apps/{key}/rotate": {
            "post": _page_op(
                "Rotates the client secret.",
                {**posted, **signed_in, "404": _html("No such app.")},
                parameters=key,
                requestBody=form,
            )
        },
        "/portal/apps/{key}/icon": {
            "post": _page_op(
                "Uploads the app icon (10 MB at most).",
                {**posted, **signed_in, "404": _html("No such app.")},
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
                    "503": _html("A backend is unavailable."),
                },
            }
        },
        "/account/": {"get": _page_op("The user's account page.", signed_in)},
        "/account/login": {
            "get": _page_op("Login page.", {"200": _html("The page.")}),
            "post": _page_op(
                "Logs a user in.",
                {**posted, "401": _html("Wrong username or password."), "429": _html("Throttled.")},
                requestBody=form,
            ),
        },
        "/account/logout": {"post": _page_op("Logs out.", posted, requestBody=form)},
        "/account/profile": {
            "post": _page_op("Saves the profile.", {**posted, **signed_in}, requestBody=form)
        },
        "/account/password": {
            "post": _page_op("Changes the password.", {**posted, **signed_in}, requestBody=form)
        },
        "/account/avatar": {
            "post": _page_op(
                "Uploads an avatar (10 MB at most).",
                {**posted, **signed_in},
                requestBody=upload,
            )
        },
        "/account/apps/{authorization_id}/remove": {
            "post": _page_op(
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
            "get": _page_op("The home page.", {"200": _html("Links; demo data in emulator mode.")})
        },
        "/@{username}": {
            "get": _page_op(
                "A user's public profile (where profile_web_link points).",
                {"200": _html("The profile."), "404": _html("No such (active) user.")},
                parameters=[_path("username")],
            )
        },
        "/tos-avt-0068-tx/{name}": {
            "get": {
                "summary": "A signed, expiring avatar URL (100, 168 or 1080 px square JPEG).",
                "tags": ["operations"],
                "parameters": [
                    _path("name"),
                    _query("x-expires", "Unix time", required=True),
                    _query("x-signature", "", required=True),
                ],
                "responses": {
                    "200": {
                        "description": "JPEG",
                        "content": {"image/jpeg": {"schema": {"type": "string"}}},
                    },
                    "403": {"description": "Bad or expired signature.", "content": TEXT},
                },
            }
        },
        "/static/{name}": {
            "get": {
                "summary": "Stylesheets and scripts of the pages.",
                "tags": ["pages"],
                "parameters": [_path("name")],
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
    from tokstack.web.openapi_inspector import inspector_paths
    from tokstack.web.openapi_seed import seed_path, seed_schemas

    parts = (
        _browser_steps(),
        _minis(),
        _portal_and_account(),
        _public_and_ops(),
        emulator(),
        seed_path(),
        inspector_paths(),
    )
    doc["components"]["schemas"].update(seed_schemas())
    for part in parts:
        doc["paths"].update(part)
    static = doc["paths"]["/static/{name}"]
    static["head"] = {**static["get"], "summary": "Like GET, without the body."}
    _wrong_methods(doc)
    return doc


DOCUMENT = orjson.dumps(build())
