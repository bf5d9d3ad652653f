"""Schemathesis against the served OpenAPI document, every check, on a real server in
emulator mode: each of the ~280 documented operations (every method of every path) answers
only documented statuses, content types, headers and bodies, and never a 500."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.nodes import free_port, tokstack_node

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = "10"  # per operation; the run takes about 15 s here


def test_the_served_document_holds_for_every_operation(tmp_path: Path) -> None:
    env = {
        "TOKSTACK_DATA_DIR": str(tmp_path),
        "TOKSTACK_DATABASE_URL": "",
        "TOKSTACK_DEMO": "1",
        "TOKSTACK_WEBHOOKS": "false",
        "TOKSTACK_RATE_LIMIT_PER_MINUTE": "1000000",
        "TOKSTACK_TOKEN_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    port = free_port()
    with tokstack_node(env, port) as url:
        tokstack = Path(sys.executable).with_name("tokstack")
        issued = subprocess.run(
            [str(tokstack), "token", "issue", "--client-key", "awdemowebapp0001",
             "--username", "alice", "--scopes", "user.info.profile,user.info.stats", "--json"],
            env={**os.environ, **env, "TOKSTACK_PUBLIC_URL": url},
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        token = json.loads(issued.stdout)["access_token"]
        # Not the emulator's control API: each fault rule it added (a drop, a minute of
        # latency) would change every later answer of the run. Its answers are checked
        # against this document in tests/api/test_emulator_faults.py.
        run = subprocess.run(
            [str(Path(sys.executable).with_name("st")), "--config-file", str(CONFIG), "run",
             f"{url}/openapi.json", "--checks", "all", "--max-examples", EXAMPLES,
             "--exclude-path-regex", "^/_tokstack/",
             "--seed", "1", "-H", f"Authorization: Bearer {token}", "--no-color"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
