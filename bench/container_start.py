"""Container start: from ``docker run -d`` of the image until Docker reports it healthy (the
image's target: under 3 s), and until its ``/healthz`` first answers on the published port.

Measured here, not asserted in a test: a timing under a loaded CI machine is not a verdict.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass

import httpx

IMAGE = "tokstack:latest"
LIMIT = 30.0  # seconds before a start counts as failed


@dataclass(frozen=True)
class StartResult:
    image: str
    healthy_s: list[float]  # `docker run -d` returned -> State.Health.Status "healthy"
    serving_s: list[float]  # `docker run -d` returned -> first 200 from /healthz

    def as_json(self) -> dict[str, object]:
        return {
            "image": self.image,
            "healthy_s": self.healthy_s,
            "serving_s": self.serving_s,
            "healthy_median_s": round(statistics.median(self.healthy_s), 2),
        }


def _docker(*args: str) -> str:
    argv = ["docker", *args]  # built here
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"docker {args[0]}: {done.stderr.strip()[:300]}")
    return done.stdout.strip()


def unavailable(image: str = IMAGE) -> str | None:
    """Why the measurement cannot run here, or None."""
    if shutil.which("docker") is None:
        return "no docker command"
    try:
        _docker("image", "inspect", image)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return f"image {image} not available ({exc}); `make image` builds it"
    return None


def _one(image: str) -> tuple[float, float]:
    cid = _docker(
        "run", "-d", "-p", "127.0.0.1::8000", "-e", "TOKSTACK_EMULATOR_TOKEN=" + "b" * 32, image
    )
    started = time.monotonic()
    try:
        url = "http://" + _docker("port", cid, "8000/tcp").splitlines()[0] + "/healthz"
        serving = healthy = None
        while time.monotonic() - started < LIMIT and (serving is None or healthy is None):
            if serving is None:
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        serving = time.monotonic() - started
                except httpx.HTTPError:
                    pass
            if healthy is None:
                status = _docker("inspect", "--format", "{{.State.Health.Status}}", cid)
                if status == "healthy":
                    healthy = time.monotonic() - started
            time.sleep(0.02)
        if serving is None or healthy is None:
            raise RuntimeError(f"the container was not healthy within {LIMIT:g} s")
        return round(healthy, 2), round(serving, 2)
    finally:
        _docker("rm", "-f", "-v", cid)


def measure(runs: int, image: str = IMAGE) -> StartResult:
    _one(image)  # warm-up: the first start after a build reads the image's files from disk
    healthy, serving = [], []
    for _ in range(runs):
        h, s = _one(image)
        healthy.append(h)
        serving.append(s)
    return StartResult(image, healthy, serving)
