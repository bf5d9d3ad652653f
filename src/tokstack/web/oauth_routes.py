"""``POST /v2/oauth/token/`` and ``POST /v2/oauth/revoke/``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain.faults import Facts
from tokstack.oauth.revocation import revoke as revoke_token
from tokstack.oauth.token_endpoint import token_response
from tokstack.web import fault_effects, render
from tokstack.web.container import Container
from tokstack.web.edge import oauth
from tokstack.web.forms import form_fields


@oauth
async def token(request: Request, container: Container, log_id: str) -> Response:
    form = await form_fields(request)
    if container.faults is not None:
        facts = Facts("token", client_key=form.get("client_key"), grant_type=form.get("grant_type"))
        await fault_effects.apply(container, request.scope, facts)
    await container.limits.token(form.get("client_key", ""))
    body = await token_response(container.ctx, form)
    return render.json_response(body, log_id, headers=render.NO_STORE)


@oauth
async def revoke(request: Request, container: Container, log_id: str) -> Response:
    form = await form_fields(request)
    if container.faults is not None:
        facts = Facts("revoke", client_key=form.get("client_key"))
        await fault_effects.apply(container, request.scope, facts)
    await revoke_token(container.ctx, form)
    return render.json_response({}, log_id, headers=render.NO_STORE)
