"""The OpenAPI part of ``POST /_tokstack/seed``: the seed document's own JSON Schema, its
``$defs`` lifted into ``components`` (a ``#/$defs/`` reference would resolve against the
OpenAPI document's root, where there are none)."""

from __future__ import annotations

from typing import Any

import orjson

from tokstack.domain.seed import schema
from tokstack.web.openapi_parts import (
    CONTROL_ERROR,
    control_op,
)


def seed_schemas() -> dict[str, Any]:
    """``Seed`` and ``Seed_<name>`` for each of its definitions, references rewritten."""
    text = orjson.dumps(schema()).decode().replace('"#/$defs/', '"#/components/schemas/Seed_')
    document = orjson.loads(text)
    definitions = document.pop("$defs")
    for key in ("$schema", "$id"):
        document.pop(key)
    return {"Seed": document} | {f"Seed_{name}": part for name, part in definitions.items()}


def seed_path() -> dict[str, Any]:
    body = {"$ref": "#/components/schemas/Seed"}
    return {
        "/_tokstack/seed": {
            "post": control_op(
                "Adds a seed document to the running world: what exists is kept, what is"
                " missing is created. Avatars as data: URLs. The answer lists each record with"
                " `created`, and the client secrets and tokens created (shown this once).",
                {
                    "201": {
                        "description": "What was created or found, by kind.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["developers", "apps", "users", "grants"],
                                    "properties": {
                                        kind: {"type": "array", "items": {"type": "object"}}
                                        for kind in ("developers", "apps", "users", "grants")
                                    },
                                }
                            }
                        },
                    },
                    "400": {
                        "description": "Not a valid seed: each problem with its path.",
                        "content": CONTROL_ERROR,
                    },
                    "413": {"description": "The body is over 32 MiB.", "content": CONTROL_ERROR},
                },
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": body},
                        "application/yaml": {"schema": body},
                    },
                },
            )
        }
    }
