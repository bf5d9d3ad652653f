"""OpenAPI paths of the browser steps of Login Kit (login, consent) and of Minis."""

from __future__ import annotations

from typing import Any

from tokstack.web.openapi_parts import (
    CSRF,
    FORM_REFUSED,
    JSON_OBJECT,
    TOO_LARGE_PAGE,
    form_body,
    html_answer,
    page_op,
    query_param,
    redirect_answer,
)


def browser_steps() -> dict[str, Any]:
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


def minis() -> dict[str, Any]:
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
