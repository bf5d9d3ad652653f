"""Seeds on real servers (``TOKSTACK_SEED``): every worker and node sees the seeded world,
a reset through one brings it back for all, ``tokstack emulator seed FILE`` adds to it, and
the webhook controls work whichever worker or node is asked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from PIL import Image

from tests.e2e.nodes import emulator_cli

ACCESS = "act.servedFixedAccessToken0001"
KEY, SECRET = "awservedweb00001", "servedSecret00000000000000000001"
INFO = "/v2/user/info/?fields=open_id,display_name,avatar_url"


def write_seed(folder: Path, name: str, **document: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    picture = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 120, 60)).save(picture, "PNG")
    (folder / "face.png").write_bytes(picture.getvalue())
    path = folder / name
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def extra_env(tmp_path: Path) -> dict[str, str]:
    seed = write_seed(
        tmp_path / "seeds", "world.yaml",
        developers=[{"name": "Served"}],
        apps=[{"developer": "Served", "name": "Served Web", "platform": "web",
               "client_key": KEY, "client_secret": SECRET,
               "redirect_uris": ["https://served.test/cb"],
               "webhook_url": "http://127.0.0.1:9/hook"}],
        users=[{"username": "sam", "display_name": "Sam Served", "avatar": "face.png"}],
        grants=[{"app": KEY, "user": "sam", "scopes": ["user.info.basic"],
                 "access_token": ACCESS}],
    )  # fmt: skip
    return {"TOKSTACK_SEED": str(seed), "TOKSTACK_TOKEN_RATE_LIMIT_PER_MINUTE": "5"}


def info(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}{INFO}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_every_worker_and_node_serves_the_seed_and_a_reset_restores_it(
    servers: dict[str, Any],
) -> None:
    first, second = servers["urls"]
    seen = {info(url, ACCESS).json()["data"]["user"]["open_id"] for url in (first, second)}
    assert len(seen) == 1  # one world
    # the first node wrote the avatar's files (scale-out shares blobs/; these nodes do not)
    picture = httpx.get(info(first, ACCESS).json()["data"]["user"]["avatar_url"], timeout=10)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    issued = httpx.post(
        f"{first}/_tokstack/tokens",
        timeout=10,
        json={"client_key": KEY, "username": "sam", "scopes": "user.info.basic"},
    )
    other = issued.json()["access_token"]  # fmt: skip
    assert info(second, other).status_code == 200
    reset = emulator_cli(second, "reset", "--json")
    assert reset.returncode == 0, reset.stderr
    for url in (first, second, first, second):
        assert info(url, other).status_code == 401  # gone with the reset
        assert info(url, ACCESS).json()["data"]["user"]["open_id"] in seen  # back, same id


def test_the_cli_adds_a_seed_file_with_its_avatar(servers: dict[str, Any], tmp_path: Path) -> None:
    first, second = servers["urls"]
    path = write_seed(
        tmp_path / "more", "more.json",
        developers=[{"name": "Later"}],
        apps=[{"developer": "Later", "name": "Later App", "platform": "web",
               "redirect_uris": ["https://later.test/cb"]}],
        users=[{"username": "lee", "avatar": "face.png"}],
        grants=[{"app": KEY, "user": "lee", "scopes": ["user.info.basic"]}],
    )  # fmt: skip
    added = emulator_cli(first, "seed", str(path), "--json")
    assert added.returncode == 0, added.stderr
    answer = json.loads(added.stdout)
    (app,) = answer["apps"]
    credentials = {"client_key": app["client_key"], "client_secret": app["client_secret"],
                   "grant_type": "client_credentials"}  # fmt: skip
    assert httpx.post(f"{second}/v2/oauth/token/", data=credentials, timeout=10).status_code == 200
    lee = info(first, answer["grants"][0]["access_token"]).json()["data"]["user"]
    assert httpx.get(lee["avatar_url"], timeout=10).status_code == 200
    again = emulator_cli(second, "seed", str(path))
    assert again.returncode == 0 and "(existed)" in again.stdout
    broken = write_seed(tmp_path / "bad", "bad.yaml", users=[{"username": "x", "likes": "many"}])
    refused = emulator_cli(first, "seed", str(broken))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (  # every problem, by path, in one line
        f"error: {broken}: users[0].likes: 'many' is not of type 'integer'; users[0].username: "
        "'x' does not have the expected form (^[A-Za-z0-9_.]{2,24}$)"
    )


def test_webhook_controls_on_every_worker_and_node(servers: dict[str, Any]) -> None:
    first, second = servers["urls"]
    fired = emulator_cli(first, "trigger", "--client-key", KEY, "--username", "sam",
                         "--reason", "2", "--json")  # fmt: skip
    assert fired.returncode == 0, fired.stderr
    for url in (first, second):
        assert info(url, ACCESS).status_code == 401  # revoked for every worker and node
        (event,) = httpx.get(f"{url}/_tokstack/webhooks", timeout=10).json()["webhooks"]
        assert event["client_key"] == KEY and event["body"]["content"] == '{"reason":2}'
    listed = json.loads(emulator_cli(second, "webhooks", "--json").stdout)
    assert [e["id"] for e in listed] == [event["id"]]


def test_rate_limit_windows_and_login_throttling_follow_the_emulated_clock(
    servers: dict[str, Any],
) -> None:
    """Counted in Redis across nodes (or in each worker on SQLite), on the emulated time."""
    first, second = servers["urls"]
    credentials = {"client_key": KEY, "client_secret": SECRET, "grant_type": "client_credentials"}
    statuses = [
        httpx.post(
            f"{(first, second)[n % 2]}/v2/oauth/token/", data=credentials, timeout=10
        ).status_code
        for n in range(12)
    ]
    assert 429 in statuses
    moved = emulator_cli(first, "clock", "advance", "61")
    assert moved.returncode == 0, moved.stderr
    for url in (first, second):
        assert httpx.post(f"{url}/v2/oauth/token/", data=credentials, timeout=10).status_code == 200
