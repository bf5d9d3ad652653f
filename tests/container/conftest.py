"""The container tests need a Docker daemon and the image of ``make image``; without them
they are skipped, saying why (a failure in CI, where .ci/run provides both)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.services import REQUIRED

IMAGE = os.environ.get("TOKSTACK_TEST_IMAGE", "tokstack:latest")
# testcontainers reads these at import: no reaper image can be pulled here
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")


def docker(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def _missing() -> str | None:
    try:
        docker("info", "--format", "{{.ServerVersion}}", timeout=20)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return (
            f"no Docker daemon ({str(exc).splitlines()[0][:200]}); start one: scripts/dockerd-up.sh"
        )
    try:
        docker("image", "inspect", IMAGE, timeout=20)
    except RuntimeError:
        return f"no {IMAGE} image; build it with make image"
    return None


@pytest.fixture(scope="session")
def image() -> str:
    why = _missing()
    if why is not None:
        if REQUIRED:
            pytest.fail(f"{why} — required in CI (TOKSTACK_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(why)
    return IMAGE
