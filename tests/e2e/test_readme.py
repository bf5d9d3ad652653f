"""The README's two shell walk-throughs, run as pasted (only the port is changed).

A newcomer pastes these blocks into a shell; they once failed (a percent-encoded code, a
race with the server's start). Here each block runs in bash with ``set -eu`` in an empty
folder that holds only a link to this ``.venv``, as a fresh clone would after ``make demo``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.nodes import free_port, tokstack_node

README = Path(__file__).resolve().parents[2] / "README.md"


def shell_block(after_heading: str) -> str:
    """The first ```sh block after the heading line that starts with ``after_heading``."""
    text = README.read_text()
    start = text.index("\n" + after_heading)
    found = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    assert found is not None, after_heading
    return found.group(1)


def run(script: str, folder: Path, timeout: float) -> str:
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TOKSTACK_") and key != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    done = subprocess.run(
        ["bash", "-c", "set -eu\n" + script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_cli_walk_through(tmp_path: Path) -> None:
    script = shell_block("## Walk-through")
    lines = script.rstrip("\n").split("\n")
    # the last line serves until stopped; the test checks the data it would serve
    assert lines[-1].startswith("tokstack serve --port 8001")
    out = run("\n".join(lines[:-1]), tmp_path, timeout=120)
    token = next(line for line in out.splitlines() if '"access_token"' in line)
    assert '"scope": "user.info.basic,user.info.profile"' in token.replace('":"', '": "')
    assert '"Acme Web"' in out and '"carol"' in out
    assert (tmp_path / "walkthrough-data").is_dir()


@pytest.mark.skipif(shutil.which("curl") is None, reason="the snippet uses curl, not installed")
def test_the_emulator_snippet(tmp_path: Path) -> None:
    port = free_port()
    script = shell_block("### Entirely from a terminal").replace("8000", str(port))
    script = script.replace("--auto-consent alice &", f"--auto-consent alice --port {port} &")
    out = run(script, tmp_path, timeout=90)
    # the server's banner shares the terminal: the snippet's own output is its JSON lines
    answers = [line for line in out.splitlines() if line.startswith("{")]
    assert len(answers) == 4, out
    issued, refreshed, revoked, refused = answers
    assert (
        '"access_token":"act.' in issued and '"scope":"user.info.basic,user.info.profile"' in issued
    )
    assert '"access_token":"act.' in refreshed
    assert revoked == "{}"
    assert '"code":"access_token_invalid"' in refused


def test_the_fault_examples(tmp_path: Path) -> None:
    port = free_port()
    env = {"TOKSTACK_DEMO": "1", "TOKSTACK_DATA_DIR": str(tmp_path / "data"),
           "TOKSTACK_DATABASE_URL": "", "TOKSTACK_WEBHOOKS": "false"}  # fmt: skip
    script = shell_block("### The control API, from any language")
    with tokstack_node(env, port):
        # the commands' default --url is port 8000; this server listens elsewhere
        out = run(f"export TOKSTACK_URL=http://127.0.0.1:{port}\n{script}", tmp_path, timeout=60)
    lines = out.splitlines()
    assert sum(line.startswith("added flt_") for line in lines) == 5
    assert "removed 5" in lines
    assert any(line.startswith("act.") for line in lines)  # emulator token
    assert any(line.startswith("revoked ") and "(reason 4)" in line for line in lines)
    assert lines[-1].startswith("reset in ")
    clocks = [line for line in lines if line.startswith("now ")]
    assert len(clocks) == 3 and "offset +0 s" in clocks[-1]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the snippet uses curl, not installed")
def test_the_seed_example(tmp_path: Path) -> None:
    port = free_port()
    env = {"TOKSTACK_DEMO": "1", "TOKSTACK_DATA_DIR": str(tmp_path / "data"),
           "TOKSTACK_DATABASE_URL": "", "TOKSTACK_WEBHOOKS": "false"}  # fmt: skip
    script = shell_block("### Seeds: your own apps").replace("8000", str(port))
    with tokstack_node(env, port):
        out = run(f"export TOKSTACK_URL=http://127.0.0.1:{port}\n{script}", tmp_path, timeout=60)
    lines = out.splitlines()
    assert lines[0] == "app awmyapp000000001 / myAppSecret000000000000000000001  My App"
    assert lines[1] == "user carol"
    assert lines[2] == "grant carol -> awmyapp000000001: act.carolFixedAccessToken0001"
    assert '"display_name":"Carol Seed"' in lines[-1] and '"code":"ok"' in lines[-1]


def test_the_pytest_example(tmp_path: Path) -> None:
    """The plugin's README tests, saved to a file in an empty folder and run with pytest."""
    text = README.read_text()
    start = text.index("\n### With pytest: the `tokstack` fixture")
    found = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert found is not None
    (tmp_path / "test_tiktok.py").write_text(found.group(1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOKSTACK_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tiktok.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="the snippet uses curl, not installed")
def test_the_posting_walk_through(tmp_path: Path) -> None:
    port = free_port()
    script = shell_block("### Posting videos").replace("8000", str(port))
    script = script.replace("tokstack serve --demo &", f"tokstack serve --demo --port {port} &")
    script = script.replace(
        "tokstack emulator token", f"tokstack emulator --url http://127.0.0.1:{port} token"
    )
    out = run(script, tmp_path, timeout=120)
    lines = [line for line in out.splitlines() if line.startswith(("{", "2"))]
    assert "201" in lines, out
    status = next(line for line in lines if line.startswith('{"data"'))
    assert '"status":"PUBLISH_COMPLETE"' in status and '"publicaly_available_post_id":[7' in status
