"""Smoke test of an installed tokstack (CI runs it from a venv holding only the built wheel).

Standard library only, so it proves nothing but tokstack's own runtime dependencies is
needed: the documented CLI, then one request of each endpoint against a real server.

    python scripts/smoke.py /path/to/venv/bin/tokstack
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def cli(tokstack: str, env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [tokstack, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"FAILED: tokstack {' '.join(args)}\n{result.stderr}")
    return json.loads(result.stdout) if "--json" in args else result.stdout


def request(
    url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def expect(what: str, got: int, wanted: int) -> None:
    print(f"  {what}: {got}")
    if got != wanted:
        raise SystemExit(f"FAILED: {what} answered {got}, expected {wanted}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


KIT = """
import sys
from tokstack.client import TikTok
key, secret, refresh, base = sys.argv[1:5]
with TikTok(key, secret, base_url=base) as tiktok:
    tokens = tiktok.refresh(refresh)
    assert tiktok.user_info(tokens.access_token, fields="display_name").display_name == "Smoky"
try:
    import tokstack.testing.containers
except ImportError as missing:
    assert "tokstack[testcontainers]" in str(missing), missing
else:
    raise AssertionError("testcontainers is an extra, yet it imported")
"""


def kit(tokstack: str, base: str, secret: dict[str, str], refresh: str) -> None:
    """The integrator kit without extras: the client works, the container module says what
    to install."""
    python = os.path.join(os.path.dirname(tokstack), "python")
    args = [python, "-c", KIT, secret["client_key"], secret["client_secret"], refresh, base]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise SystemExit(f"FAILED: tokstack.client\n{result.stderr}")
    print("  tokstack.client refresh and user info: ok")


def main(tokstack: str) -> None:
    data_dir = tempfile.mkdtemp(prefix="tokstack-smoke-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TOKSTACK_")},
        "TOKSTACK_DATA_DIR": data_dir,
        "TOKSTACK_PUBLIC_URL": base,
    }
    print("CLI:")
    print("  " + cli(tokstack, env, "--version").strip())
    dev = cli(tokstack, env, "developer", "create", "--name", "Smoke", "--json")
    app = cli(
        tokstack, env, "app", "create", "--developer", str(dev["id"]), "--name", "Smoke App",
        "--platform", "web", "--redirect-uri", "https://smoke.example/cb/",
        "--scopes", "user.info.basic,user.info.profile", "--json",
    )  # fmt: skip
    cli(tokstack, env, "user", "create", "--username", "smoky", "--display-name", "Smoky", "--json")
    pair = cli(
        tokstack, env, "token", "issue", "--client-key", app["client_key"], "--username",
        "smoky", "--scopes", "user.info.basic", "--json",
    )  # fmt: skip
    for args in (("developer", "list"), ("app", "list"), ("user", "list")):
        assert isinstance(cli(tokstack, env, *args, "--json"), list)
    cli(tokstack, env, "app", "show", "--client-key", app["client_key"], "--json")
    cli(tokstack, env, "user", "show", "--username", "smoky", "--json")
    print("  developer/app/user create, list, show; token issue: ok")
    # videos need PyAV at run time (not an extra): a clip made and probed by the wheel's own
    clip = os.path.join(data_dir, "clip.mp4")
    python = os.path.join(os.path.dirname(tokstack), "python")
    subprocess.run(
        [python, "-c", "import sys; from tokstack.services.media import make_clip; "
         "open(sys.argv[1], 'wb').write(make_clip(1.0))", clip],
        check=True, timeout=60,
    )  # fmt: skip
    video = cli(
        tokstack, env, "video", "create", "--username", "smoky", "--file", clip,
        "--title", "smoke", "--json",
    )  # fmt: skip
    assert video["duration"] == 1 and video["width"] == 360, video
    print("  video create from a real MP4 (PyAV): ok")

    server = subprocess.Popen(
        [tokstack, "serve", "--port", str(port)], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("FAILED: the server did not start")
            time.sleep(0.2)
        print("HTTP:")
        secret = {"client_key": app["client_key"], "client_secret": app["client_secret"]}
        kit(tokstack, base, secret, pair["refresh_token"])  # before the revoke below
        bearer = {"Authorization": f"Bearer {pair['access_token']}"}
        expect("GET /healthz", request(f"{base}/healthz")[0], 200)
        expect("GET /readyz", request(f"{base}/readyz")[0], 200)
        expect("GET /metrics", request(f"{base}/metrics")[0], 200)
        expect("GET /openapi.json", request(f"{base}/openapi.json")[0], 200)
        query = urllib.parse.urlencode(
            {
                "client_key": app["client_key"],
                "scope": "user.info.basic",
                "redirect_uri": "https://smoke.example/cb/",
                "response_type": "code",
                "state": "s",
            }
        )
        expect("GET /v2/auth/authorize/", request(f"{base}/v2/auth/authorize/?{query}")[0], 303)
        info = f"{base}/v2/user/info/?fields=open_id,display_name,avatar_url"
        status, body, _ = request(info, headers=bearer)
        expect("GET /v2/user/info/", status, 200)
        avatar = json.loads(body)["data"]["user"]["avatar_url"]
        expect("GET avatar", request(avatar)[0], 200)
        refresh = {**secret, "grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        expect("POST /v2/oauth/token/", request(f"{base}/v2/oauth/token/", refresh)[0], 200)
        revoke = {**secret, "token": pair["access_token"]}
        expect("POST /v2/oauth/revoke/", request(f"{base}/v2/oauth/revoke/", revoke)[0], 200)
        expect("GET /v2/user/info/ after revoke", request(info, headers=bearer)[0], 401)
        expect("GET /portal/login", request(f"{base}/portal/login")[0], 200)
        expect("GET /account/login", request(f"{base}/account/login")[0], 200)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("smoke test passed")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tokstack")
