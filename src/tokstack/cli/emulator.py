"""``tokstack emulator …``: the control API of a running server, over HTTP.

Unlike the other commands it does not open the database: the server may run in another
process, container or machine. Every failure is one ``error: …`` line.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
import typer

from tokstack.cli.runtime import JsonFlag, emit, emit_list, fail
from tokstack.domain.seed import SeedError
from tokstack.errors import ValidationError
from tokstack.services.seed_sources import SeedSource, avatar_bytes, from_file

emulator = typer.Typer(
    help="Control a running server in emulator mode: faults, clock, journal, webhooks, reset.",
    no_args_is_help=True,
)
fault = typer.Typer(help="Fault rules: errors, latency, dropped connections.", no_args_is_help=True)
clock = typer.Typer(help="The emulated time of every worker.", no_args_is_help=True)
emulator.add_typer(fault, name="fault")
emulator.add_typer(clock, name="clock")

DEFAULT_URL = "http://127.0.0.1:8000"


@emulator.callback()
def _root(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option("--url", envvar="TOKSTACK_URL", help="The server (its base URL).")
    ] = DEFAULT_URL,
) -> None:
    ctx.obj = url.rstrip("/")


def call(ctx: typer.Context, method: str, path: str, body: Any = None) -> Any:
    """The control API's JSON answer; any failure is a one-line error."""
    import httpx  # ~0.1 s (it loads its own CLI's Rich and Pygments): not on `serve`'s start

    url = f"{ctx.obj or DEFAULT_URL}{path}"
    headers = {}
    token = os.environ.get("TOKSTACK_EMULATOR_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.request(method, url, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        fail(f"cannot reach tokstack at {ctx.obj}: {exc}")
    if response.status_code == 404 and response.text == "Unsupported path(Janus)":
        fail(f"the server at {ctx.obj} is not in emulator mode (start it with serve --demo)")
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        fail(f"{method} {path}: HTTP {response.status_code}, not JSON")
    if response.status_code >= 400:
        error = answer.get("error") if isinstance(answer, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        fail(str(message or f"HTTP {response.status_code}"))
    return answer


def _describe(rule: dict[str, Any]) -> str:
    effect = rule.get("error") or ("drop" if rule.get("drop") else "")
    if rule.get("latency_ms"):
        effect = f"{effect} +{rule['latency_ms']} ms".strip()
    when = f"next {rule['times']}" if "times" in rule else ""
    if "probability" in rule:
        when = f"p={rule['probability']}"
    scope = " ".join(f"{k}={rule[k]}" for k in ("client_key", "open_id", "grant_type") if k in rule)
    return "  ".join(
        part
        for part in (rule["id"], rule["endpoint"], scope, effect, when, f"hits {rule['hits']}")
        if part
    )


@fault.command("add")
def fault_add(
    ctx: typer.Context,
    endpoint: Annotated[str, typer.Option(help="authorize, token, revoke or user.info.")],
    client_key: Annotated[str | None, typer.Option()] = None,
    open_id: Annotated[str | None, typer.Option()] = None,
    grant_type: Annotated[str | None, typer.Option()] = None,
    error: Annotated[str | None, typer.Option(help="TikTok's error code to answer.")] = None,
    status: Annotated[int | None, typer.Option(help="Another HTTP status.")] = None,
    message: Annotated[str | None, typer.Option()] = None,
    retry_after: Annotated[int | None, typer.Option()] = None,
    latency_ms: Annotated[int | None, typer.Option()] = None,
    drop: Annotated[bool, typer.Option("--drop", help="Close with no answer.")] = False,
    times: Annotated[int | None, typer.Option(help="Only the next N matching.")] = None,
    probability: Annotated[float | None, typer.Option()] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    json: JsonFlag = False,
) -> None:
    """Add a fault rule."""
    given = {
        "endpoint": endpoint, "client_key": client_key, "open_id": open_id,
        "grant_type": grant_type, "error": error, "status": status, "message": message,
        "retry_after": retry_after, "latency_ms": latency_ms, "drop": drop or None,
        "times": times, "probability": probability, "seed": seed,
    }  # fmt: skip
    rule = call(ctx, "POST", "/_tokstack/faults", {k: v for k, v in given.items() if v is not None})
    emit(json, rule, f"added {_describe(rule)}")


@fault.command("list")
def fault_list(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The rules, with their hits."""
    emit_list(json, call(ctx, "GET", "/_tokstack/faults")["faults"], _describe)


@fault.command("clear")
def fault_clear(
    ctx: typer.Context,
    fault_id: Annotated[str | None, typer.Argument(help="One rule; every rule if omitted.")] = None,
    json: JsonFlag = False,
) -> None:
    """Remove one rule, or all of them."""
    path = "/_tokstack/faults" + (f"/{fault_id}" if fault_id else "")
    answer = call(ctx, "DELETE", path)
    emit(json, answer, f"removed {answer['removed']}")


def _clock_line(state: dict[str, Any]) -> str:
    frozen = ", frozen" if state["frozen"] else ""
    return f"now {state['now']} (offset {state['offset']:+d} s{frozen})"


def _change(ctx: typer.Context, change: dict[str, Any], as_json: bool) -> None:
    state = call(ctx, "POST", "/_tokstack/clock", change)
    emit(as_json, state, _clock_line(state))


@clock.command("show")
def clock_show(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The emulated time."""
    state = call(ctx, "GET", "/_tokstack/clock")
    emit(json, state, _clock_line(state))


@clock.command("advance")
def clock_advance(
    ctx: typer.Context,
    seconds: Annotated[int, typer.Argument(help="Seconds; to go back: advance -- -60.")],
    json: JsonFlag = False,
) -> None:
    """Move time forward (or back)."""
    _change(ctx, {"advance": seconds}, json)


@clock.command("set")
def clock_set(
    ctx: typer.Context,
    unix: Annotated[int, typer.Argument(help="UNIX seconds.")],
    json: JsonFlag = False,
) -> None:
    """Jump to an instant."""
    _change(ctx, {"set": unix}, json)


@clock.command("freeze")
def clock_freeze(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Stop time where it is."""
    _change(ctx, {"freeze": True}, json)


@clock.command("unfreeze")
def clock_unfreeze(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Let time run again, from where it stood."""
    _change(ctx, {"freeze": False}, json)


@clock.command("reset")
def clock_reset(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Back to the system clock."""
    _change(ctx, {"reset": True}, json)


@emulator.command("reset")
def reset(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Back to the seed: every developer, app, user, grant and token goes; the demo data,
    the clock, no faults."""
    answer = call(ctx, "POST", "/_tokstack/reset")
    emit(json, answer, f"reset in {answer['seconds']} s")


@emulator.command("seed")
def seed(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A seed document, YAML or JSON.")],
    json: JsonFlag = False,
) -> None:
    """Add a seed document's developers, apps, users and grants to the running world
    (avatar files are sent with it)."""
    try:
        source = from_file(file)  # the errors name the path of the bad value, before sending
    except SeedError as exc:
        fail(str(exc), 2)
    answer = call(ctx, "POST", "/_tokstack/seed", _with_inline_avatars(file, source))
    emit(json, answer, _seeded(answer))


def _with_inline_avatars(file: Path, source: SeedSource) -> dict[str, Any]:
    """The document with each avatar file as a data: URL (the server reads none of its files)."""
    import yaml

    document: dict[str, Any] = yaml.safe_load(file.read_bytes()) or {}
    document.pop("demo", None)  # a start-up setting, not part of what is added
    for i, user in enumerate(document.get("users", [])):
        avatar = user.get("avatar")
        if avatar and not avatar.startswith("data:"):
            try:
                data = avatar_bytes(avatar, source.base_dir)
            except ValidationError as exc:
                fail(f"{file}: users[{i}].avatar: {exc}", 2)
            kind = mimetypes.guess_type(avatar)[0] or "application/octet-stream"
            user["avatar"] = f"data:{kind};base64,{base64.b64encode(data).decode()}"
    return document


def _seeded(answer: dict[str, Any]) -> str:
    lines = []
    for app in answer["apps"]:
        secret = app.get("client_secret") or "(existed)"
        lines.append(f"app {app['client_key']} / {secret}  {app['name']}")
    lines += [f"user {u['username']}" + ("" if u["created"] else " (existed)")
              for u in answer["users"]]  # fmt: skip
    for grant in answer["grants"]:
        token = grant.get("access_token") or "(existed)"
        lines.append(f"grant {grant['user']} -> {grant['app']}: {token}")
    return "\n".join(lines) or "nothing to add"


@emulator.command("token")
def token(
    ctx: typer.Context,
    client_key: Annotated[str, typer.Option()],
    username: Annotated[str, typer.Option()],
    scopes: Annotated[str, typer.Option(help="Comma list.")],
    json: JsonFlag = False,
) -> None:
    """Tokens for a user of an app, as the token endpoint answers them."""
    body = {"client_key": client_key, "username": username, "scopes": scopes}
    answer = call(ctx, "POST", "/_tokstack/tokens", body)
    emit(json, answer, f"{answer['access_token']}  (refresh: {answer['refresh_token']})")


@emulator.command("requests")
def requests(
    ctx: typer.Context,
    client_key: Annotated[str | None, typer.Option()] = None,
    endpoint: Annotated[str | None, typer.Option(help="token, user.info, authorize, …")] = None,
    status: Annotated[int | None, typer.Option()] = None,
    limit: Annotated[int | None, typer.Option()] = None,
    json: JsonFlag = False,
) -> None:
    """The request journal, newest first (secrets redacted)."""
    filters = {"client_key": client_key, "endpoint": endpoint, "status": status, "limit": limit}
    query = urlencode({k: v for k, v in filters.items() if v is not None})
    found = call(ctx, "GET", "/_tokstack/requests" + (f"?{query}" if query else ""))
    emit_list(
        json,
        found["requests"],
        lambda e: (
            f"{e['time']}  {e['status']}  {e['method']} {e['path']}  "
            f"{e.get('client_key') or '-'}  {e['duration_ms']} ms  {e.get('log_id') or ''}"
        ),
    )


@emulator.command("webhooks")
def webhooks(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Webhook events queued for apps, with their delivery state."""
    emit_list(
        json,
        call(ctx, "GET", "/_tokstack/webhooks")["webhooks"],
        lambda e: (
            f"{e['id']}  {e['client_key']}  {e['body'].get('event')}  {e['state']}"
            f"  attempts {e['attempts']}  {e['target']}"
        ),
    )


@emulator.command("trigger")
def trigger(
    ctx: typer.Context,
    client_key: Annotated[str, typer.Option()],
    username: Annotated[str, typer.Option()],
    reason: Annotated[int, typer.Option(help="0-5, as in authorization.removed.")] = 1,
    json: JsonFlag = False,
) -> None:
    """Revoke a user's authorization of an app; authorization.removed goes to its webhook."""
    body = {"client_key": client_key, "username": username, "reason": reason,
            "event": "authorization.removed"}  # fmt: skip
    answer = call(ctx, "POST", "/_tokstack/webhooks/trigger", body)
    emit(json, answer, f"revoked {answer['open_id']} (reason {answer['reason']})")
