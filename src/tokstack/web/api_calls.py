"""What every bearer-token JSON endpoint of the v2 API does before its own work: read the
JSON body, authenticate, and (emulator mode) journal who called and apply the faults."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from tokstack.domain.faults import Facts
from tokstack.domain.models import AccessContext
from tokstack.errors import InvalidParams
from tokstack.oauth.bearer import authenticate
from tokstack.web import fault_effects
from tokstack.web.container import Container


async def read_json(request: Request, required: bool) -> Any:
    raw = await request.body()
    if not raw.strip() and not required:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParams("The request body is not valid JSON.", detail="bad JSON") from None


async def authorized(request: Request, container: Container, endpoint: str) -> AccessContext:
    access = await authenticate(container.ctx, request.headers.get("authorization"))
    if container.faults is not None:  # emulator mode: the journal and the faults
        scope = request.scope
        scope["journal_open_id"], scope["journal_app_id"] = access.open_id, access.token.app_id
        facts = Facts(endpoint, open_id=access.open_id, app_id=access.token.app_id)
        await fault_effects.apply(container, scope, facts)
    return access
