"""Login Kit end to end over HTTP: authorize, login, consent, token, refresh, revoke."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.oauth_helpers import REDIRECT, Flow, pkce_pair, query_of
from tests.conftest import World
from tokstack.clock import FrozenClock

SCOPES = "user.info.basic,user.info.profile,user.info.stats"


@pytest.fixture
async def web(world: World) -> dict[str, str]:
    dev = await world.developer()
    app = await world.app(dev, SCOPES, redirect_uris=[REDIRECT])
    other = await world.app(dev, SCOPES, name="Other", redirect_uris=[REDIRECT])
    await world.user("alice", password="alice-password")
    return {
        "key": app.app.client_key,
        "secret": app.client_secret,
        "other_key": other.app.client_key,
        "other_secret": other.client_secret,
    }


@pytest.fixture
def flow(client: httpx.AsyncClient) -> Flow:
    return Flow(client)


def auth_params(web: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "client_key": web["key"],
        "scope": SCOPES,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "xyz",
        **extra,
    }


async def exchange(flow: Flow, web: dict[str, str], code: str, **extra: str) -> httpx.Response:
    return await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        code=code,
        grant_type="authorization_code",
        redirect_uri=REDIRECT,
        **extra,
    )


async def user_info(client: httpx.AsyncClient, token: str, fields: str) -> httpx.Response:
    return await client.get(
        "/v2/user/info/", params={"fields": fields}, headers={"Authorization": f"Bearer {token}"}
    )


def oauth_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert list(body) == ["error", "error_description", "log_id"]
    assert body["error"] == code
    return body


async def test_code_flow_with_a_subset_of_scopes(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce_pair()
    query = await flow.code(
        ticked=["user.info.basic", "user.info.stats"],
        **auth_params(web, code_challenge=challenge, code_challenge_method="S256"),
    )
    assert query["scopes"] == "user.info.basic,user.info.stats"
    assert query["state"] == "xyz"
    response = await exchange(flow, web, query["code"], code_verifier=verifier)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "open_id",
        "refresh_expires_in",
        "refresh_token",
        "scope",
        "token_type",
    ]
    assert body["scope"] == "user.info.basic,user.info.stats"
    ok = await user_info(client, body["access_token"], "open_id,display_name,follower_count")
    assert ok.status_code == 200 and ok.json()["data"]["user"]["open_id"] == body["open_id"]
    refused = await user_info(client, body["access_token"], "username")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "scope_not_authorized"


async def test_basic_cannot_be_unticked(flow: Flow, web: dict[str, str]) -> None:
    query = await flow.code(ticked=["user.info.profile"], **auth_params(web))
    assert query["scopes"] == "user.info.basic,user.info.profile"


async def test_cancel_redirects_access_denied_with_state(flow: Flow, web: dict[str, str]) -> None:
    response = await flow.authorize(**auth_params(web, state="s t&ate"))
    response = await flow.login(response.headers["location"])
    response = await flow.consent(response.headers["location"], None, action="deny")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["error"] == "access_denied" and query["state"] == "s t&ate"
    assert "code" not in query


async def test_long_state_is_echoed_unchanged(flow: Flow, web: dict[str, str]) -> None:
    state = "a-Z_0.9~" * 300 + "%&=+ é"
    query = await flow.code(**auth_params(web, state=state))
    assert query["state"] == state


async def test_authorize_without_trailing_slash_and_extra_params(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    params = auth_params(
        web,
        sdk_name="tiktok_sdk_auth",
        lang="en",
        client_id="ignored",
        scope="user.info.profile, user.info.basic,user.info.basic",
    )
    response = await client.get("/v2/auth/authorize", params=params)
    assert response.status_code == 303
    response = await flow.login(response.headers["location"])
    page = await client.get(response.headers["location"])
    assert page.text.count('type="checkbox"') == 2


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"client_key": "awunknown"}, "client_key"),
        ({"client_key": ""}, "client_key"),
        ({"redirect_uri": "https://evil.example/cb/"}, "redirect_uri"),
        ({"redirect_uri": "https://app.example/cb"}, "redirect_uri"),
        ({"redirect_uri": "https://app.example/cb/?x=1"}, "redirect_uri"),
        ({"redirect_uri": ""}, "redirect_uri"),
    ],
)
async def test_untrusted_client_or_redirect_gets_a_page_not_a_redirect(
    flow: Flow, web: dict[str, str], change: dict[str, str], param: str
) -> None:
    response = await flow.authorize(**{**auth_params(web), **change})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert f'<code class="param">{param}</code>' in response.text
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"scope": "user.info.basic,video.publish"}, "invalid_scope"),
        ({"scope": "user.info.nope"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "tooshort"}, "invalid_request"),
        ({"code_challenge": "a" * 64, "code_challenge_method": "plain"}, "invalid_request"),
    ],
)
async def test_errors_after_the_redirect_is_trusted_are_redirected(
    flow: Flow, web: dict[str, str], change: dict[str, str], error: str
) -> None:
    response = await flow.authorize(**{**auth_params(web), **change})
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["error"] == error and query["error_description"] and query["state"] == "xyz"


async def test_desktop_apps_must_send_pkce(world: World, flow: Flow) -> None:
    dev = await world.developer()
    desktop = await world.app(
        dev, platform="desktop", redirect_uris=["http://127.0.0.1:*/callback/"]
    )
    params = {
        "client_key": desktop.app.client_key,
        "scope": "user.info.basic",
        "redirect_uri": "http://127.0.0.1:50123/callback/",
        "response_type": "code",
    }
    response = await flow.authorize(**params)
    assert query_of(response.headers["location"])["error"] == "invalid_request"
    _, challenge = pkce_pair("hex")
    response = await flow.authorize(**params, code_challenge=challenge)
    assert response.status_code == 303  # on to the login page


@pytest.mark.parametrize("encoding", ["hex", "b64"])
async def test_pkce_in_both_encodings_with_and_without_method(
    flow: Flow, web: dict[str, str], encoding: str
) -> None:
    for method in ({"code_challenge_method": "S256"}, {}):
        verifier, challenge = pkce_pair(encoding)
        query = await flow.code(**auth_params(web, code_challenge=challenge, **method))
        assert (await exchange(flow, web, query["code"], code_verifier=verifier)).status_code == 200


async def test_android_sdk_32_character_verifier(flow: Flow, web: dict[str, str]) -> None:
    import hashlib

    verifier = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"
    challenge = hashlib.sha256(verifier.encode()).hexdigest()
    query = await flow.code(**auth_params(web, code_challenge=challenge))
    assert (await exchange(flow, web, query["code"], code_verifier=verifier)).status_code == 200


@pytest.mark.parametrize("verifier", [None, "", "x" * 64, "short"])
async def test_wrong_or_missing_verifier_is_invalid_grant(
    flow: Flow, web: dict[str, str], verifier: str | None
) -> None:
    _, challenge = pkce_pair()
    query = await flow.code(**auth_params(web, code_challenge=challenge))
    extra = {} if verifier is None else {"code_verifier": verifier}
    body = oauth_error(await exchange(flow, web, query["code"], **extra), 400, "invalid_grant")
    assert body["error_description"] == "Code verifier or code challenge is invalid."


async def test_verifier_without_challenge_is_ignored(flow: Flow, web: dict[str, str]) -> None:
    query = await flow.code(**auth_params(web))
    response = await exchange(flow, web, query["code"], code_verifier=pkce_pair()[0])
    assert response.status_code == 200


async def test_code_replay_fails_and_revokes_the_first_tokens(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    query = await flow.code(**auth_params(web))
    first = (await exchange(flow, web, query["code"])).json()
    assert (await user_info(client, first["access_token"], "open_id")).status_code == 200
    oauth_error(await exchange(flow, web, query["code"]), 400, "invalid_grant")
    assert (await user_info(client, first["access_token"], "open_id")).status_code == 401
    refreshed = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    oauth_error(refreshed, 400, "invalid_grant")


async def test_expired_code_is_invalid_grant(
    flow: Flow, web: dict[str, str], clock: FrozenClock
) -> None:
    query = await flow.code(**auth_params(web))
    clock.advance(600)
    oauth_error(await exchange(flow, web, query["code"]), 400, "invalid_grant")


async def test_code_works_until_its_lifetime_ends(
    flow: Flow, web: dict[str, str], clock: FrozenClock
) -> None:
    query = await flow.code(**auth_params(web))
    clock.advance(599)
    assert (await exchange(flow, web, query["code"])).status_code == 200


async def test_redirect_uri_must_match_at_the_token_endpoint(
    flow: Flow, web: dict[str, str]
) -> None:
    query = await flow.code(**auth_params(web))
    response = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        code=query["code"],
        grant_type="authorization_code",
        redirect_uri="https://app.example/cb",
    )
    body = oauth_error(response, 400, "invalid_request")
    assert body["error_description"] == (
        "Redirect_uri is not matched with the uri when requesting code."
    )


async def test_code_of_one_app_cannot_be_exchanged_by_another(
    flow: Flow, web: dict[str, str]
) -> None:
    query = await flow.code(**auth_params(web))
    response = await flow.token(
        client_key=web["other_key"],
        client_secret=web["other_secret"],
        code=query["code"],
        grant_type="authorization_code",
        redirect_uri=REDIRECT,
    )
    oauth_error(response, 400, "invalid_grant")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_secret": ""}, 401, "invalid_client"),
        ({"client_key": "awnope"}, 401, "invalid_client"),
        ({"client_key": ""}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"code": ""}, 400, "invalid_request"),
        ({"code": "nonsense"}, 400, "invalid_grant"),
    ],
)
async def test_token_endpoint_errors(
    flow: Flow, web: dict[str, str], form: dict[str, str], status: int, error: str
) -> None:
    base = {
        "client_key": web["key"],
        "client_secret": web["secret"],
        "code": "x",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "client_id": "extra",
    }
    body = oauth_error(await flow.token(**{**base, **form}), status, error)
    assert body["error_description"]


async def test_client_credentials(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    response = await flow.token(
        client_key=web["key"], client_secret=web["secret"], grant_type="client_credentials"
    )
    body = response.json()
    assert response.status_code == 200 and list(body) == [
        "access_token",
        "expires_in",
        "token_type",
    ]
    assert body["access_token"].startswith("clt.") and body["expires_in"] == 7200
    refused = await user_info(client, body["access_token"], "open_id")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "access_token_invalid"


async def test_refresh_classic_keeps_the_refresh_token(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    first = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    clock.advance(3600)
    response = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    second = response.json()
    assert response.status_code == 200
    assert second["refresh_token"] == first["refresh_token"]
    assert second["refresh_expires_in"] == first["refresh_expires_in"] - 3600
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"] and second["open_id"] == first["open_id"]
    assert (await user_info(client, second["access_token"], "open_id")).status_code == 200
    # refresh again with the same token still works under the classic profile
    again = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    assert again.status_code == 200


async def test_refresh_with_another_apps_client_is_refused(flow: Flow, web: dict[str, str]) -> None:
    first = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    response = await flow.token(
        client_key=web["other_key"],
        client_secret=web["other_secret"],
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    oauth_error(response, 400, "invalid_grant")


async def test_expired_refresh_token(flow: Flow, web: dict[str, str], clock: FrozenClock) -> None:
    first = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    clock.advance(first["refresh_expires_in"])
    response = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
    )
    oauth_error(response, 400, "invalid_grant")


async def test_revoke(flow: Flow, web: dict[str, str], client: httpx.AsyncClient) -> None:
    mine = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    other_query = await flow.code(**auth_params(web, client_key=web["other_key"]))
    theirs = (
        await flow.token(
            client_key=web["other_key"],
            client_secret=web["other_secret"],
            code=other_query["code"],
            grant_type="authorization_code",
            redirect_uri=REDIRECT,
        )
    ).json()
    # another app's token is not touched, and the answer does not tell
    response = await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": web["key"],
            "client_secret": web["secret"],
            "token": theirs["access_token"],
        },
    )
    assert response.status_code == 200 and response.json() == {}
    assert (await user_info(client, theirs["access_token"], "open_id")).status_code == 200

    response = await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": web["key"],
            "client_secret": web["secret"],
            "token": mine["access_token"],
        },
    )
    assert response.status_code == 200 and response.json() == {}
    assert (await user_info(client, mine["access_token"], "open_id")).status_code == 401
    refreshed = await flow.token(
        client_key=web["key"],
        client_secret=web["secret"],
        grant_type="refresh_token",
        refresh_token=mine["refresh_token"],
    )
    oauth_error(refreshed, 400, "invalid_grant")
    for token in (mine["access_token"], "act.unknown"):  # already revoked, unknown: still {}
        again = await client.post(
            "/v2/oauth/revoke/",
            data={"client_key": web["key"], "client_secret": web["secret"], "token": token},
        )
        assert again.status_code == 200 and again.json() == {}
    bad = await client.post(
        "/v2/oauth/revoke/", data={"client_key": web["key"], "client_secret": "nope", "token": "x"}
    )
    oauth_error(bad, 401, "invalid_client")


async def test_revoke_accepts_the_refresh_token(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    pair = (await exchange(flow, web, (await flow.code(**auth_params(web)))["code"])).json()
    await client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": web["key"],
            "client_secret": web["secret"],
            "token": pair["refresh_token"],
        },
    )
    assert (await user_info(client, pair["access_token"], "open_id")).status_code == 401


async def test_disable_auto_auth_zero_skips_consent_when_all_granted(
    flow: Flow, web: dict[str, str]
) -> None:
    await flow.code(**auth_params(web))  # first time: login and consent to everything
    skipped = await flow.authorize(**auth_params(web, disable_auto_auth="0"))
    assert skipped.status_code == 302 and "code" in query_of(skipped.headers["location"])
    shown = await flow.authorize(**auth_params(web, disable_auto_auth="1"))
    assert shown.status_code == 303 and "/consent/" in shown.headers["location"]
    default = await flow.authorize(**auth_params(web))
    assert default.status_code == 303


async def test_auto_auth_needs_every_scope_granted_before(flow: Flow, web: dict[str, str]) -> None:
    await flow.code(ticked=["user.info.basic"], **auth_params(web))
    response = await flow.authorize(**auth_params(web, disable_auto_auth="0"))
    assert response.status_code == 303 and "/consent/" in response.headers["location"]


async def test_bad_password_gets_a_generic_message(flow: Flow, web: dict[str, str]) -> None:
    start = await flow.authorize(**auth_params(web))
    wrong_user = await flow.login(start.headers["location"], "mallory", "alice-password")
    wrong_pass = await flow.login(start.headers["location"], "alice", "wrong-password")
    for response in (wrong_user, wrong_pass):
        assert response.status_code == 401
        assert "Incorrect username or password." in response.text
        assert "set-cookie" not in response.headers


async def test_repeated_failures_are_throttled(flow: Flow, web: dict[str, str]) -> None:
    start = await flow.authorize(**auth_params(web))
    for _ in range(5):
        assert (
            await flow.login(start.headers["location"], "alice", "nope-nope")
        ).status_code == 401
    throttled = await flow.login(start.headers["location"], "alice", "alice-password")
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.text


async def test_forms_without_csrf_are_refused(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    start = await flow.authorize(**auth_params(web))
    interaction = query_of(start.headers["location"])["i"]
    response = await client.post(
        "/v2/auth/login/",
        data={"i": interaction, "username": "alice", "password": "alice-password"},
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers
    response = await client.post(
        "/v2/auth/login/",
        data={"i": interaction, "csrf": "guess", "username": "alice", "password": "alice-password"},
    )
    assert response.status_code == 403


async def test_pages_send_protective_headers_and_a_session_cookie(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    start = await flow.authorize(**auth_params(web))
    login_page = await client.get(start.headers["location"])
    logged_in = await flow.login(start.headers["location"])
    cookie = logged_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    consent_page = await client.get(logged_in.headers["location"])
    for page in (login_page, consent_page):
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
    assert '<label for="username">' in login_page.text
    text = consent_page.text
    assert "App" in text and "Read your profile statistics" in text
    assert text.count("disabled") == 1  # user.info.basic, and only it


async def test_consent_can_be_submitted_once(
    flow: Flow, web: dict[str, str], client: httpx.AsyncClient
) -> None:
    start = await flow.authorize(**auth_params(web))
    consent_at = (await flow.login(start.headers["location"])).headers["location"]
    from tests.api.oauth_helpers import hidden

    page = await client.get(consent_at)
    data = {"i": hidden(page.text, "i"), "csrf": hidden(page.text, "csrf"), "action": "allow"}
    assert (await client.post("/v2/auth/consent/", data=data)).status_code == 302
    assert (await client.post("/v2/auth/consent/", data=data)).status_code == 400


async def test_expired_interaction_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/auth/login/?i=nope")
    assert response.status_code == 400 and "expired" in response.text
