"""OpenAPI paths of the developer portal and the account page."""

from __future__ import annotations

from typing import Any

from tokstack.web.openapi_parts import (
    CSRF,
    FORM_REFUSED,
    HTML,
    TEXT,
    TOO_LARGE_PAGE,
    form_body,
    html_answer,
    page_op,
    path_param,
    redirect_answer,
)


def portal_and_account() -> dict[str, Any]:
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
