"""``POST /_tokstack/authorize``: a user's consent without a browser (emulator mode).

The request goes through the same checks as ``/v2/auth/authorize/`` and the code is the one
the consent page would issue; what the test gets back is the redirect the app would receive.
Fault rules on ``authorize`` are not applied: they shape the app's own browser flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokstack.errors import ApiError, NotFound, UntrustedAuthorizeParam, ValidationError
from tokstack.oauth import authorize as flow
from tokstack.oauth import codes
from tokstack.services.context import Context

OPTIONAL = ("state", "code_challenge", "code_challenge_method")


def scope_list(value: Any) -> Sequence[str]:
    """``scopes`` of a control call: a comma list or a JSON list of strings."""
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return value
    raise ValidationError("'scopes' must be a comma list or a JSON list of strings")


def _params(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    for name in ("client_key", "username", "redirect_uri"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise ValidationError(f"{name!r} must be a non-empty string")
    params = {
        "client_key": body["client_key"],
        "redirect_uri": body["redirect_uri"],
        "scope": ",".join(scope_list(body.get("scopes"))),
        "response_type": "code",
    }
    for name in OPTIONAL:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{name!r} must be a string")
        if value is not None:
            params[name] = value
    return params


async def consent(ctx: Context, body: Any) -> dict[str, Any]:
    """``{"code", "scopes", "state", "redirect_url"}``, or the error redirect the app would
    get (``{"error", "error_description", "state", "redirect_url"}``)."""
    params = _params(body)
    try:
        request = await flow.validate(ctx, params)
    except UntrustedAuthorizeParam as exc:  # the browser would see a page, never a redirect
        raise ValidationError(f"{exc.param}: {exc.detail or exc.description}") from None
    except ApiError as exc:
        return {
            "error": exc.code,
            "error_description": exc.description,
            "state": exc.state,
            "redirect_url": flow.error_redirect(exc),
        }
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(body["username"])
    if user is None:
        raise NotFound(f"no user {body['username']!r}")
    if user.status != "active":
        raise ValidationError(f"user {body['username']!r} is {user.status}")
    issued = await codes.issue(ctx, request, user, request.scopes)
    return {
        "code": issued.code,
        "scopes": list(issued.scopes),
        "state": request.state,
        "redirect_url": issued.redirect_url,
    }
