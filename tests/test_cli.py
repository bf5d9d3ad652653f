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
