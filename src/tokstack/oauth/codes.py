"""Authorization codes: random, stored hashed, single use, bound to what was authorized."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import orjson

from tokstack import ids
from tokstack.domain.models import User
from tokstack.errors import InvalidGrant
from tokstack.oauth.authorize import AuthorizeRequest, redirect_url
from tokstack.oauth.issuer import authorize
from tokstack.services.context import Context


@dataclass(frozen=True)
class CodeGrant:
    app_id: int
    user_id: int
    authorization_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: int


@dataclass(frozen=True)
class IssuedCode:
    code: str
    scopes: tuple[str, ...]
    redirect_url: str  # redirect_uri with ``code``, ``scopes`` and ``state``


async def issue(
    ctx: Context, request: AuthorizeRequest, user: User, granted: tuple[str, ...]
) -> IssuedCode:
    """Records the consent and issues a code for the granted scopes."""
    async with ctx.store.unit() as unit:
        app = await unit.apps.get(request.app_id)
        if app is None:
            raise InvalidGrant(detail="app deleted during consent")
        authorization = await authorize(ctx, unit, user, app, granted)
    code = ids.auth_code()
    grant = CodeGrant(
        app_id=app.id,
        user_id=user.id,
        authorization_id=authorization.id,
        redirect_uri=request.redirect_uri,
        scopes=authorization.scopes,
        code_challenge=request.code_challenge,
        expires_at=ctx.clock.now() + ctx.policy.code_ttl,
    )
    await ctx.ephemeral.put(
        f"code:{ctx.hasher.digest(code)}", orjson.dumps(asdict(grant)).decode(), ctx.policy.code_ttl
    )
    url = redirect_url(
        request.redirect_uri,
        {"code": code, "scopes": ",".join(authorization.scopes), "state": request.state},
    )
    return IssuedCode(code, authorization.scopes, url)


async def consume(ctx: Context, code: str) -> tuple[CodeGrant, str]:
    """The code's grant and a fresh grant id; a replayed code revokes what its first use minted."""
    digest = ctx.hasher.digest(code)
    grant_id = ids.grant_id()
    raw = await ctx.ephemeral.take(
        f"code:{digest}", leave=(f"code-used:{digest}", grant_id, ctx.policy.code_ttl)
    )
    if raw is None:
        first_use = await ctx.ephemeral.get(f"code-used:{digest}")
        if first_use is not None:
            # marked before the revocation: a first use still minting sees the mark afterwards
            await ctx.ephemeral.put(f"code-replayed:{first_use}", "1", ctx.policy.code_ttl)
            await _revoke_grant(ctx, first_use)
            raise InvalidGrant(detail="authorization code reused; its tokens were revoked")
        raise InvalidGrant(detail="unknown or expired authorization code")
    values = orjson.loads(raw)
    values["scopes"] = tuple(values["scopes"])
    grant = CodeGrant(**values)
    if grant.expires_at <= ctx.clock.now():
        raise InvalidGrant(detail="authorization code expired")
    return grant, grant_id


async def _revoke_grant(ctx: Context, grant_id: str) -> None:
    async with ctx.store.unit() as unit:
        await unit.tokens.revoke_grant(grant_id, ctx.clock.now())


async def refuse_if_replayed(ctx: Context, grant_id: str) -> None:
    """After the first use has stored its tokens: if the code was replayed meanwhile, the
    replay's revocation may have run before they were stored, so revoke them here.

    Either the replay marked the grant before this read (then this revokes), or this read
    came first, so the tokens were committed before the replay's revocation began.
    """
    if await ctx.ephemeral.get(f"code-replayed:{grant_id}") is not None:
        await _revoke_grant(ctx, grant_id)
        raise InvalidGrant(detail="authorization code reused; its tokens were revoked")
