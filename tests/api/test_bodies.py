"""Malformed and oversized bodies: a 400 or 413 in each route family's own shape, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_portal import csrf_of
from tests.conftest import World
from tokstack.web.limits import FORM_LIMIT, UPLOAD_LIMIT

OAUTH_PATHS = ("/v2/oauth/token/", "/v2/oauth/revoke/")
MALFORMED_MULTIPART = {
    "no boundary": ("multipart/form-data", b"client_key=a&grant_type=refresh_token"),
    "empty boundary": ("multipart/form-data; boundary=", b"x"),
    "garbage parts": ("multipart/form-data; boundary=xyz", b"garbage\r\n--xyz\r\nnonsense"),
    "part without a name": (
        "multipart/form-data; boundary=b",
        b"--b\r\nX-Nothing: y\r\n\r\nv\r\n--b--\r\n",
    ),
    "1001 fields": (
        "multipart/form-data; boundary=b",
        b"".join(
            b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i
            for i in range(1001)
        )
        + b"--b--\r\n",
    ),
    "a file part": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\nv\r\n--b--\r\n',
    ),
}


def oauth_error_shape(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error", "error_description", "log_id"}
    assert body["log_id"] == response.headers["x-tt-logid"]
    return body


@pytest.mark.parametrize("path", OAUTH_PATHS)
@pytest.mark.parametrize("case", sorted(MALFORMED_MULTIPART))
async def test_malformed_multipart_is_a_400_in_the_oauth_shape(
    client: httpx.AsyncClient, path: str, case: str
) -> None:
    content_type, body = MALFORMED_MULTIPART[case]
    if len(body) > FORM_LIMIT:  # too many fields is also too large a body here
        body = body[: FORM_LIMIT - 100]
    response = await client.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert oauth_error_shape(response)["error"] == "invalid_request"


@pytest.mark.parametrize("path", OAUTH_PATHS)
async def test_too_many_urlencoded_fields_is_a_400(client: httpx.AsyncClient, path: str) -> None:
    body = "&".join(f"f{i}=v" for i in range(1001))[: FORM_LIMIT - 10]
    response = await client.post(
        path, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert "fields" in oauth_error_shape(response)["error_description"]


@pytest.mark.parametrize("path", OAUTH_PATHS)
async def test_a_json_body_is_told_to_be_a_form(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(
        path, json={"client_key": "k", "client_secret": "s", "grant_type": "client_credentials"}
    )
    assert response.status_code == 400
    body = oauth_error_shape(response)
    assert body["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in body["error_description"]


@pytest.mark.parametrize("path", OAUTH_PATHS)
async def test_a_body_over_the_limit_is_a_413_and_the_connection_closes(
    client: httpx.AsyncClient, path: str
) -> None:
    declared = await client.post(path, content=b"a=" + b"x" * FORM_LIMIT)
    assert declared.status_code == 413
    assert oauth_error_shape(declared)["error"] == "invalid_request"
    assert declared.headers["connection"] == "close"

    async def chunks() -> object:  # no Content-Length: counted while streaming
        for _ in range(FORM_LIMIT // 1024 + 2):
            yield b"x" * 1024

    streamed = await client.post(path, content=chunks())  # type: ignore[arg-type]
    assert streamed.status_code == 413


async def test_a_form_at_the_limit_is_read(client: httpx.AsyncClient) -> None:
    head = b"grant_type=client_credentials&client_key=awnope&client_secret=s&pad="
    body = head + b"x" * (FORM_LIMIT - len(head))
    assert len(body) == FORM_LIMIT
    response = await client.post("/v2/oauth/token/", content=body)
    assert response.status_code == 401  # read whole: an unknown client, so invalid_client


@pytest.mark.parametrize(
    "path",
    ["/v2/auth/login/", "/v2/auth/consent/", "/portal/login", "/account/login", "/account/profile"],
)
@pytest.mark.parametrize("case", ["no boundary", "garbage parts", "1001 fields"])
async def test_browser_forms_answer_malformed_bodies_with_a_400_page(
    client: httpx.AsyncClient, path: str, case: str
) -> None:
    content_type, body = MALFORMED_MULTIPART[case]
    response = await client.post(
        path, content=body[: FORM_LIMIT - 100], headers={"content-type": content_type}
    )
    assert response.status_code in (400, 303)  # 303: the account page first asks to log in
    if response.status_code == 400:
        assert response.headers["content-type"].startswith("text/html")
        assert "malformed" in response.text


async def test_browser_form_over_the_limit_is_a_413_page(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/portal/login",
        content=b"a=" + b"x" * FORM_LIMIT,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "too large" in response.text


async def test_avatar_upload_over_10_mb_is_refused_before_it_is_read(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.user("alice", password="alice-password")
    token = await csrf_of(client, "/account/login")
    await client.post(
        "/account/login", data={"csrf": token, "username": "alice", "password": "alice-password"}
    )
    token = await csrf_of(client, "/account/")
    big = b"\x89PNG" + b"\0" * UPLOAD_LIMIT
    response = await client.post(
        "/account/avatar", data={"csrf": token}, files={"avatar": ("a.png", big, "image/png")}
    )
    assert response.status_code == 413
    assert "too large" in response.text
