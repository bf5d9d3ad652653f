"""`tokstack serve --demo` (what `make demo` runs): a real process, the curl it prints."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TOKSTACK_DATA_DIR": str(tmp_path)}
    env.pop("TOKSTACK_DATABASE_URL", None)
    env.pop("TOKSTACK_PUBLIC_URL", None)
    script = Path(sys.executable).with_name("tokstack")
    return subprocess.Popen(
        [str(script), "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )


def read_curl(process: subprocess.Popen[str], port: int) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "Authorization: Bearer" in line:
            break
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    text = "".join(lines)
    start = text.index("curl ")
    return text[start:].replace("\\\n", " ")


def run_printed_curl(command: str) -> httpx.Response:
    words = shlex.split(command)
    url = next(w for w in words if w.startswith("http"))
    header = words[words.index("-H") + 1]
    name, _, value = header.partition(": ")
    return httpx.get(url, headers={name: value}, timeout=5)


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_demo_prints_a_working_curl_and_keeps_its_data(tmp_path: Path) -> None:
    port = free_port()
    process = start_demo(tmp_path, port)
    try:
        first = run_printed_curl(read_curl(process, port))
    finally:
        stop(process)
    assert first.status_code == 200
    body = first.json()
    assert set(body["data"]["user"]) == {"open_id", "union_id", "avatar_url"}
    assert body["error"]["code"] == "ok"
    assert re.search(r"~c5_168x168\.jpeg\?x-expires=", body["data"]["user"]["avatar_url"])
    assert body["data"]["user"]["avatar_url"].startswith(f"http://127.0.0.1:{port}/")

    process = start_demo(tmp_path, port)  # restart: same data, same open_id
    try:
        second = run_printed_curl(read_curl(process, port))
        avatar = httpx.get(second.json()["data"]["user"]["avatar_url"], timeout=5)
    finally:
        stop(process)
    assert second.json()["data"]["user"]["open_id"] == body["data"]["user"]["open_id"]
    assert avatar.status_code == 200 and avatar.headers["content-type"] == "image/jpeg"
