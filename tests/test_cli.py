"""The command-line contract of PRODUCT.md, driven as other tooling drives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tokstack.cli.main import cli

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"TOKSTACK_DATA_DIR": str(tmp_path), "TOKSTACK_PUBLIC_URL": "http://cli.test"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TOKSTACK_DATABASE_URL", raising=False)
    return values


def ok(*args: str) -> dict[str, object]:
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


def test_create_everything_and_issue_a_token(env: dict[str, str], tmp_path: Path) -> None:
    dev = ok("developer", "create", "--name", "Acme")
    assert set(dev) == {"id", "name"} and dev["name"] == "Acme"
    app = ok(
        "app",
        "create",
        "--developer",
        str(dev["id"]),
        "--name",
        "Web",
        "--platform",
        "web",
        "--redirect-uri",
        "https://acme.example/cb/",
        "--redirect-uri",
        "https://acme.example/cb2/",
        "--scopes",
        "user.info.profile",
        "--webhook-url",
        "https://acme.example/hook",
    )
    assert str(app["client_key"]).startswith("aw") and len(str(app["client_secret"])) == 32
    assert app["redirect_uris"] == ["https://acme.example/cb/", "https://acme.example/cb2/"]
    assert app["scopes"] == ["user.info.basic", "user.info.profile"]
    avatar = tmp_path / "me.png"
    from PIL import Image

    Image.new("RGB", (50, 80), (1, 2, 3)).save(avatar)
    user = ok(
        "user",
        "create",
        "--username",
        "carol",
        "--display-name",
        "Carol C",
        "--password",
        "hunter2hunter2",
        "--avatar",
        str(avatar),
        "--bio",
        "hi",
        "--verified",
    )
    assert user["username"] == "carol" and user["is_verified"] is True
    body = ok(
        "token",
        "issue",
        "--client-key",
        str(app["client_key"]),
        "--username",
        "carol",
        "--scopes",
        "user.info.profile,user.info.basic",
    )
    assert list(body) == [
        "access_token",
        "expires_in",
        "open_id",
        "refresh_expires_in",
        "refresh_token",
        "scope",
        "token_type",
    ]
    assert body["scope"] == "user.info.basic,user.info.profile"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert body["refresh_expires_in"] == 31536000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["app", "create", "--developer", "99", "--name", "X", "--platform", "mini"],
            "developer 99 does not exist",
        ),
        (
            ["app", "create", "--developer", "1", "--name", "X", "--platform", "web"],
            "web apps need at least one redirect URI",
        ),
        (
            ["app", "create", "--developer", "1", "--name", "X", "--platform", "tv"],
            "--platform must be one of",
        ),
        (
            [
                "app",
                "create",
                "--developer",
                "1",
                "--name",
                "X",
                "--platform",
                "web",
                "--redirect-uri",
                "http://insecure.example/cb",
            ],
            "must be an absolute https URL",
        ),
        (
            [
                "app",
                "create",
                "--developer",
                "1",
                "--name",
                "X",
                "--platform",
                "mini",
                "--scopes",
                "user.info.stats",
            ],
            "TikTok Minis only support",
        ),
        (
            [
                "app",
                "create",
                "--developer",
                "1",
                "--name",
                "X",
                "--platform",
                "web",
                "--redirect-uri",
                "https://x.example/cb/",
                "--scopes",
                "user.info.everything",
            ],
            "unknown scope",
        ),
        (["user", "create", "--username", "a b", "--display-name", "X"], "username must be"),
        (
            [
                "user",
                "create",
                "--username",
                "dave",
                "--display-name",
                "D",
                "--avatar",
                "/nonexistent.png",
            ],
            "cannot read avatar",
        ),
        (
            [
                "token",
                "issue",
                "--client-key",
                "awnope",
                "--username",
                "x",
                "--scopes",
                "user.info.basic",
            ],
            "no app with client key",
        ),
        (["developer", "create", "--name", " "], "name must not be empty"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(
    env: dict[str, str], args: list[str], message: str
) -> None:
    runner.invoke(cli, ["developer", "create", "--name", "Acme"])
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_avatar_file_creates_no_user(env: dict[str, str], tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.png"
    bogus.write_bytes(b"not an image")
    result = runner.invoke(
        cli, ["user", "create", "--username", "erin", "--display-name", "E", "--avatar", str(bogus)]
    )
    assert result.exit_code == 1 and "not a readable image" in result.stderr
    assert ok("user", "create", "--username", "erin", "--display-name", "E")["username"] == "erin"


def test_scope_not_approved_for_app(env: dict[str, str]) -> None:
    ok("developer", "create", "--name", "Acme")
    app = ok(
        "app",
        "create",
        "--developer",
        "1",
        "--name",
        "A",
        "--platform",
        "web",
        "--redirect-uri",
        "https://a.example/cb/",
    )
    ok("user", "create", "--username", "carol", "--display-name", "C")
    result = runner.invoke(
        cli,
        [
            "token",
            "issue",
            "--client-key",
            str(app["client_key"]),
            "--username",
            "carol",
            "--scopes",
            "user.info.stats",
        ],
    )
    assert result.exit_code == 1 and "not approved for: user.info.stats" in result.stderr


def test_invalid_setting_is_reported(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKSTACK_PROFILE", "1999")
    result = runner.invoke(cli, ["developer", "create", "--name", "X"])
    assert result.exit_code == 2 and "TOKSTACK_PROFILE" in result.stderr


def test_db_upgrade_and_the_installed_script(env: dict[str, str]) -> None:
    # the real console script, in a subprocess, the way an operator runs it
    script = Path(sys.executable).with_name("tokstack")
    result = subprocess.run(
        [str(script), "db", "upgrade"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "database at head" in result.stdout


def test_auto_consent_refused_outside_demo(env: dict[str, str]) -> None:
    result = runner.invoke(cli, ["serve", "--auto-consent", "alice"])
    assert result.exit_code == 2 and "refused outside demo mode" in result.stderr


def _web_app(uri: str) -> tuple[int, str]:
    dev = ok("developer", "create", "--name", "Redirects")
    result = runner.invoke(
        cli,
        [
            "app",
            "create",
            "--developer",
            str(dev["id"]),
            "--name",
            "Local",
            "--platform",
            "web",
            "--redirect-uri",
            uri,
            "--json",
        ],
    )
    return result.exit_code, result.output


def test_wildcards_are_refused_for_web_apps(env: dict[str, str]) -> None:
    for uri in ("https://host.example:*/cb/", "https://*.example/cb/"):
        code, output = _web_app(uri)
        assert code != 0
        assert "* is allowed only as the port of a desktop" in output


def test_loopback_callbacks_need_emulator_mode(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _web_app("http://localhost:3000/auth/callback")
    assert code != 0 and "TOKSTACK_DEMO=1" in output
    monkeypatch.setenv("TOKSTACK_DEMO", "1")
    code, output = _web_app("http://localhost:3000/auth/callback")
    assert code == 0, output
    assert json.loads(output)["redirect_uris"] == ["http://localhost:3000/auth/callback"]


def script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    tokstack = Path(sys.executable).with_name("tokstack")
    return subprocess.run(
        [str(tokstack), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["app", "create", "--nope"], "No such option: --nope"),
        (["app", "create", "--name", "x"], "Missing option '--developer'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["serve", "--port", "notanumber"], "Invalid value for '--port'"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = script(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "╭" not in result.stderr and "Traceback" not in result.stderr


def test_help_shows_no_placeholders_on_flags_and_version_is_printed(env: dict[str, str]) -> None:
    helped = script("user", "create", "--help")
    assert helped.returncode == 0
    assert "<bool>" not in helped.stdout and "╭" not in helped.stdout
    assert "--verified" in helped.stdout and "--json" in helped.stdout
    version = script("--version")
    assert version.returncode == 0 and version.stdout.startswith("tokstack ")


def test_list_and_show_print_json_without_secrets(env: dict[str, str]) -> None:
    dev = ok("developer", "create", "--name", "Lister")
    made = ok(
        "app",
        "create",
        "--developer",
        str(dev["id"]),
        "--name",
        "Listed",
        "--platform",
        "web",
        "--redirect-uri",
        "https://l.example/cb/",
    )
    ok("user", "create", "--username", "lena", "--display-name", "Lena")
    developers = json.loads(runner.invoke(cli, ["developer", "list", "--json"]).stdout)
    assert [d["name"] for d in developers] == ["Lister"]
    apps = json.loads(runner.invoke(cli, ["app", "list", "--json"]).stdout)
    assert [a["client_key"] for a in apps] == [made["client_key"]]
    shown = ok("app", "show", "--client-key", str(made["client_key"]))
    assert shown["name"] == "Listed" and "client_secret" not in shown
    assert str(made["client_secret"]) not in json.dumps([*apps, shown])
    users = json.loads(runner.invoke(cli, ["user", "list", "--json"]).stdout)
    assert [u["username"] for u in users] == ["lena"]
    assert ok("user", "show", "--username", "lena")["status"] == "active"
    missing = runner.invoke(cli, ["app", "show", "--client-key", "awnope"])
    assert missing.exit_code == 1 and "no app with client key" in missing.stderr


def test_unban_lets_the_user_log_in_again(env: dict[str, str]) -> None:
    ok("user", "create", "--username", "bert", "--display-name", "Bert")
    assert ok("user", "ban", "--username", "bert")["status"] == "banned"
    assert ok("user", "show", "--username", "bert")["status"] == "banned"
    assert ok("user", "unban", "--username", "bert")["status"] == "active"
    again = runner.invoke(cli, ["user", "unban", "--username", "bert"])
    assert again.exit_code == 1 and "not banned" in again.stderr


def test_token_issue_adds_basic_as_consent_does(env: dict[str, str]) -> None:
    dev = ok("developer", "create", "--name", "Basic")
    app = ok(
        "app",
        "create",
        "--developer",
        str(dev["id"]),
        "--name",
        "B",
        "--platform",
        "web",
        "--redirect-uri",
        "https://b.example/cb/",
        "--scopes",
        "user.info.profile",
    )
    ok("user", "create", "--username", "bea", "--display-name", "Bea")
    body = ok(
        "token",
        "issue",
        "--client-key",
        str(app["client_key"]),
        "--username",
        "bea",
        "--scopes",
        "user.info.profile",
    )
    assert body["scope"] == "user.info.basic,user.info.profile"


def test_a_developer_made_by_the_cli_logs_in_to_the_portal(
    env: dict[str, str], tmp_path: Path
) -> None:
    import asyncio

    import httpx

    from tests.api.oauth_helpers import hidden
    from tokstack.config import Settings
    from tokstack.web.app import create_app
    from tokstack.web.container import build

    made = ok(
        "developer",
        "create",
        "--name",
        "Portal Dev",
        "--email",
        "PD@Example.com",
        "--password",
        "portal-password",
    )
    assert made["email"] == "pd@example.com"
    refused = runner.invoke(cli, ["developer", "create", "--name", "X", "--email", "x@y.io"])
    assert refused.exit_code == 1 and "password" in refused.stderr

    async def log_in() -> None:
        container = build(Settings(data_dir=tmp_path, public_url="http://cli.test"))
        transport = httpx.ASGITransport(app=create_app(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://cli.test") as client:
            token = hidden((await client.get("/portal/login")).text, "csrf")
            answer = await client.post(
                "/portal/login",
                data={"csrf": token, "email": "pd@example.com", "password": "portal-password"},
            )
            assert answer.status_code == 303 and answer.headers["location"] == "/portal/"
            assert "Portal Dev" in (await client.get("/portal/")).text
        await container.close()

    asyncio.run(log_in())


def test_serve_on_a_busy_port_says_so_in_one_line_before_anything_else(
    env: dict[str, str],
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = script("serve", "--demo", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: port {port} is in use; choose another with --port or TOKSTACK_PORT\n"
    )
    assert result.stdout == ""  # no banner, no token


def test_auto_consent_for_an_unknown_user_is_refused_at_startup(env: dict[str, str]) -> None:
    result = script("serve", "--demo", "--port", "0", "--auto-consent", "nobody")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --auto-consent: no active user named 'nobody'"
    )
    assert "act." not in result.stdout


def test_a_bad_seed_file_stops_serve_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "seed.yaml"
    bad.write_text("apps:\n  - developer: Nobody\n    name: X\n    platform: web\n")
    result = script("serve", "--demo", "--port", "0", "--seed", str(bad))
    assert result.returncode == 2 and "act." not in result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {bad}: apps[0].developer: no developer named 'Nobody'; apps[0].redirect_uris: "
        "redirect_uri: web apps need at least one redirect URI"
    )
    unreadable = script("serve", "--demo", "--port", "0", "--seed", str(tmp_path / "none.yaml"))
    assert unreadable.returncode == 2
    assert unreadable.stderr.strip() == (
        f"error: {tmp_path / 'none.yaml'}: cannot read the seed document: No such file or directory"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("users: [\n")
    result = script("serve", "--demo", "--port", "0", "--seed", str(broken))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {broken}: not YAML or JSON")
    outside = script("serve", "--port", "0", "--seed", str(broken))
    assert outside.returncode == 2
    assert outside.stderr.strip() == "error: --seed works in emulator mode only (add --demo)"
