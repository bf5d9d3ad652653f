"""The emulator's control API (``/_tokstack/``) in the OpenAPI document (emulator mode only).

Split from ``openapi_doc`` (which calls ``emulator()`` while building the document).
"""

from __future__ import annotations

from typing import Any

from tokstack.domain import faults
from tokstack.web.openapi_parts import (
    CONTROL_ERROR,
    JSON_OBJECT,
    control_op,
    path_param,
    query_param,
)

FAULT_RULE: dict[str, Any] = {
    "type": "object",
    "required": ["endpoint"],
    "additionalProperties": False,
    "properties": {
        "endpoint": {"type": "string", "enum": list(faults.ENDPOINTS)},
        "client_key": {"type": "string", "minLength": 1, "maxLength": 64},
        "open_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "grant_type": {"type": "string", "enum": list(faults.GRANT_TYPES)},
        "error": {
            "type": "string",
            "minLength": 1,
            "description": "A code TikTok sends on that endpoint: "
            + "; ".join(f"{e}: {', '.join(codes)}" for e, codes in faults.ERRORS.items()),
        },
        "status": {"type": "integer", "minimum": 200, "maximum": 599},
        "message": {"type": "string", "minLength": 1, "maxLength": 1000},
        "retry_after": {"type": "integer", "minimum": 0, "maximum": 86400},
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": faults.MAX_LATENCY_MS},
        "drop": {"type": "boolean"},
        "times": {"type": "integer", "minimum": 1},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": "integer"},
    },
}


CLOCK_CHANGE = {
    "oneOf": [
        {"type": "object", "required": [name], "additionalProperties": False,
         "properties": {name: schema}}
        for name, schema in (
            ("advance", {"type": "integer", "description": "seconds, may be negative"}),
            ("set", {"type": "integer", "description": "UNIX seconds"}),
            ("freeze", {"type": "boolean"}),
            ("reset", {"const": True}),
        )
    ]
}  # fmt: skip


def emulator() -> dict[str, Any]:
    """The control API; outside emulator mode every /_tokstack/ path is the gateway 404."""
    rule_out = {**FAULT_RULE, "additionalProperties": True}
    listed = {
        "description": "The rules, each with its id and hits.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["faults"],
                    "properties": {"faults": {"type": "array", "items": rule_out}},
                }
            }
        },
    }
    removed = {"description": "How many rules were removed.", "content": JSON_OBJECT}
    clock_state = {
        "description": "The emulated time (UNIX seconds), its offset from the system clock.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["now", "offset", "frozen"],
                    "properties": {
                        "now": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "frozen": {"type": "boolean"},
                    },
                }
            }
        },
    }
    return {
        "/_tokstack/faults": {
            "get": control_op("The fault rules and their hits.", {"200": listed}),
            "post": control_op(
                "Adds a fault rule: an error, latency or a dropped connection.",
                {
                    "201": {
                        "description": "The rule, with its id.",
                        "content": {"application/json": {"schema": rule_out}},
                    },
                    "400": {"description": "Not a valid rule.", "content": CONTROL_ERROR},
                    "413": {"description": "The body is over 16 KiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": FAULT_RULE}},
                },
            ),
            "delete": control_op("Removes every rule.", {"200": removed}),
        },
        "/_tokstack/clock": {
            "get": control_op("The emulated time.", {"200": clock_state}),
            "post": control_op(
                "Moves the emulated time for every worker: one change per call.",
                {
                    "200": clock_state,
                    "400": {"description": "Not a valid change.", "content": CONTROL_ERROR},
                    "404": {"description": "The clock is not emulated.", "content": CONTROL_ERROR},
                    "413": {"description": "The body is over 16 KiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": CLOCK_CHANGE}},
                },
            ),
        },
        "/_tokstack/requests": {
            "get": control_op(
                "The request journal, newest first: every request to a /v2/ surface, with"
                " client secrets, passwords, tokens and codes redacted.",
                {
                    "200": {
                        "description": "The entries.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["requests"],
                                    "properties": {
                                        "requests": {"type": "array", "items": {"type": "object"}}
                                    },
                                }
                            }
                        },
                    },
                    "400": {"description": "A bad filter.", "content": CONTROL_ERROR},
                },
                parameters=[
                    query_param("client_key"),
                    query_param(
                        "endpoint",
                        "authorize, authorize.login, authorize.consent, token,"
                        " revoke, user.info or other",
                    ),
                    query_param("status", "an HTTP status"),
                    query_param("since", "UNIX seconds (emulated time)"),
                    query_param("limit", "at most this many (100 by default)"),
                ],
            ),
            "delete": control_op(
                "Empties the journal.",
                {"200": {"description": "Done.", "content": JSON_OBJECT}},
            ),
        },
        "/_tokstack/webhooks": {
            "get": control_op(
                "Every webhook event queued for an app, newest first: target, body, the"
                " headers it is sent with (TikTok-Signature), its delivery state and next retry,"
                " and attempt_log: every delivery attempt (at, the TikTok-Signature sent,"
                " outcome, error, next_attempt_at).",
                {
                    "200": {
                        "description": "The events.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["webhooks"],
                                    "properties": {
                                        "webhooks": {"type": "array", "items": {"type": "object"}}
                                    },
                                }
                            }
                        },
                    }
                },
            )
        },
        "/_tokstack/webhooks/trigger": {
            "post": control_op(
                "Revokes a user's authorization of an app with a reason (0-5): the real"
                " revocation, and authorization.removed queued if the app has a webhook URL.",
                {
                    "200": {"description": "Done.", "content": JSON_OBJECT},
                    "400": {"description": "A bad request.", "content": CONTROL_ERROR},
                    "404": {
                        "description": "No such app, user or authorization.",
                        "content": CONTROL_ERROR,
                    },
                    "413": {"description": "The body is over 16 KiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["client_key", "username"],
                                "properties": {
                                    "client_key": {"type": "string", "minLength": 1},
                                    "username": {"type": "string", "minLength": 1},
                                    "event": {"const": "authorization.removed"},
                                    "reason": {"type": "integer", "minimum": 0, "maximum": 5},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/_tokstack/reset": {
            "post": control_op(
                "Back to the seed: deletes every developer, app, user, grant, token and event,"
                " re-creates the demo data and the --seed file's, and clears the clock, faults,"
                " journal, webhook records and caches.",
                {"200": {"description": "Done, with its duration.", "content": JSON_OBJECT}},
            )
        },
        "/_tokstack/faults/{fault_id}": {
            "delete": control_op(
                "Removes one rule.",
                {
                    "200": removed,
                    "404": {"description": "No such rule.", "content": CONTROL_ERROR},
                },
                parameters=[path_param("fault_id")],
            )
        },
    }
