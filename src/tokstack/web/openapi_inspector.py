"""The OpenAPI part of the emulator's inspector page (``/_tokstack/``, emulator mode only)."""

from __future__ import annotations

from typing import Any

from tokstack.web.openapi_parts import (
    CSRF,
    FORM_REFUSED,
    TOO_LARGE_PAGE,
    form_body,
    html_answer,
    page_op,
    query_param,
    redirect_answer,
)

ASKED = html_answer(
    "TOKSTACK_EMULATOR_TOKEN is set and was not sent (HTTP Basic: the token as password)."
)


def inspector_paths() -> dict[str, Any]:
    posted = {
        "303": redirect_answer("Done: back to the page."),
        "400": html_answer("The page again, saying what was wrong."),
        "401": ASKED,
        "403": FORM_REFUSED,
        "413": TOO_LARGE_PAGE,
    }
    fault_fields = ("endpoint", "client_key", "open_id", "grant_type", "error", "message",
                    "status", "retry_after", "latency_ms", "times", "drop")  # fmt: skip
    fault_form = form_body({**CSRF, **{name: {"type": "string"} for name in fault_fields}})
    return {
        "/_tokstack/": {
            "get": page_op(
                "The inspector page: clock, faults, the journal (filtered by client_key,"
                " endpoint and status), users, apps, grants (token counts, never tokens) and"
                " webhooks.",
                {"200": html_answer("The page."), "401": ASKED},
                parameters=[query_param(n) for n in ("client_key", "endpoint", "status", "done")],
            )
        },
        "/_tokstack/inspector/faults": {
            "post": page_op(
                "Adds a fault rule from the page's form.", posted, requestBody=fault_form
            )
        },
        "/_tokstack/inspector/faults/clear": {
            "post": page_op("Removes every fault rule.", posted, requestBody=form_body(CSRF))
        },
        "/_tokstack/inspector/clock": {
            "post": page_op(
                "Advances the emulated clock (negative seconds go back).",
                posted,
                requestBody=form_body({**CSRF, "seconds": {"type": "string"}}),
            )
        },
    }
