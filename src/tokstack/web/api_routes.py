"""``GET /v2/user/info/``: the hot path (served through ``tokstack.web.fast``)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain.faults import Facts
from tokstack.oauth.bearer import authenticate
from tokstack.services.user_info import parse_fields
from tokstack.web import fault_effects, render
from tokstack.web.container import Container
from tokstack.web.edge import api_v2
from tokstack.web.forms import first_values


async def user_info_response(
    container: Container,
    authorization: str | None,
    fields: str | None,
    log_id: str,
    scope: MutableMapping[str, Any],
) -> Response:
    ctx = container.ctx
    access = await authenticate(ctx, authorization)
    if container.faults is not None:  # emulator mode: the journal and the faults
        scope["journal_open_id"], scope["journal_app_id"] = access.open_id, access.token.app_id
        facts = Facts("user.info", open_id=access.open_id, app_id=access.token.app_id)
        await fault_effects.apply(container, scope, facts)
    await container.limits.api("user.info", access.token.app_id, access.app_rate_limit)
    user = container.user_info.render_json(access, parse_fields(fields), ctx.clock.now())
    return render.v2_ok_user(user, log_id)


@api_v2
async def user_info(request: Request, container: Container, log_id: str) -> Response:
    authorization = request.headers.get("authorization")
    return await user_info_response(
        container, authorization, first_values(request).get("fields"), log_id, request.scope
    )
