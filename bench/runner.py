"""One benchmark run: seed each backend, start the servers, alternate wrk runs, collect."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import container_start, procs, wrk
from bench.backends import EMULATOR_SCENARIOS, Backend, prepared, tokstack_bin
from bench.container_start import StartResult
from bench.scenarios import CEILING, CODE, REFRESH, SCENARIOS, Pools, Scenario, check
from bench.seed import REAL_TOKENS, seed
from bench.uploads import UploadResult
from bench.uploads import measure as measure_uploads

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CODE_MARGIN = 1.5  # codes minted per run: expected req/s x seconds x this
CODE_FLOOR_RPS = 300.0


@dataclass(frozen=True)
class Options:
    users: int
    tokens_per_user: int
    backends: tuple[str, ...]
    rounds: int
    duration: float
    warmup: float
    connections: int
    codes: int | None
    postgres_admin: str
    redis_url: str
    scenarios: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
    real_tokens: int | None = REAL_TOKENS
    upload_mb: int = 200  # 0: no upload measurement
    container_starts: int = 5  # 0: no container start measurement


@dataclass
class Measured:
    """The wrk results of one (scenario, backend) over the rounds, plus server facts."""

    scenario: Scenario
    backend: str
    label: str
    results: list[wrk.Result] = field(default_factory=list)
    codes_minted: list[int] = field(default_factory=list)
    # the ceiling's req/s measured just before, in the same round and backend block
    ceiling_rps: list[float] = field(default_factory=list)


@dataclass
class Live:
    backend: Backend
    server: procs.Server
    pools: Pools
    seed_seconds: float
    measured: dict[str, Measured] = field(default_factory=dict)


@dataclass
class ServerFacts:
    name: str
    worker_peak_rss_kib: list[int]
    log_errors: int
    log_sample: list[str]


@dataclass
class Outcome:
    options: Options
    measured: list[Measured]
    servers: dict[str, ServerFacts]
    seed_seconds: dict[str, float]
    wall_seconds: float
    uploads: UploadResult | None = None
    container: StartResult | None = None


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _measure_once(
    binary: str,
    options: Options,
    server: procs.Server,
    directory: Path,
    scenario: Scenario,
    pools: Pools,
    seconds: float,
    codes: int,
) -> wrk.Result:
    load = pools.load(scenario, codes=codes)
    return wrk.send(
        binary,
        server.base,
        load,
        directory,
        scenario.name,
        seconds=seconds,
        connections=options.connections,
    )


def _codes_needed(
    options: Options, live: Live, seconds: float, warm_rps: float | None = None
) -> int:
    """Codes for one run: the fastest token-grant rate seen so far on this backend (the
    warm-up just before included, when refresh is not among the scenarios) x ``CODE_MARGIN``."""
    if options.codes:
        return options.codes
    seen = [
        r.rps
        for key in (CODE.name, REFRESH.name)
        if key in live.measured
        for r in live.measured[key].results
    ]
    if warm_rps is not None:
        seen.append(warm_rps)
    expected = max([CODE_FLOOR_RPS, *seen])
    return math.ceil(expected * seconds * CODE_MARGIN)


def _measure(
    binary: str,
    options: Options,
    server: procs.Server,
    live: Live,
    scenario: Scenario,
    into: Measured,
) -> None:
    directory = live.pools.directory
    is_code = scenario is CODE
    warm_rps = None
    if options.warmup > 0:
        warm_codes = _codes_needed(options, live, options.warmup) if is_code else 0
        warm = _measure_once(
            binary, options, server, directory, scenario, live.pools, options.warmup, warm_codes
        )
        warm_rps = warm.rps
    codes = _codes_needed(options, live, options.duration, warm_rps) if is_code else 0
    result = _measure_once(
        binary, options, server, directory, scenario, live.pools, options.duration, codes
    )
    into.results.append(result)
    if is_code:
        into.codes_minted.append(codes)
    flag = "" if result.non_2xx + result.socket_errors + result.pool_overflow == 0 else "  (!)"
    say(
        f"  {into.backend:<9} {scenario.name:<17} {result.rps:>9.0f} req/s  "
        f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
        f"non-2xx {result.non_2xx}{flag}"
    )


def _backend(
    stack: contextlib.ExitStack[bool | None], name: str, workdir: Path, options: Options, key: str
) -> Live:
    backend = stack.enter_context(
        prepared(
            name,
            workdir,
            key,
            postgres_admin=options.postgres_admin,
            redis_url=options.redis_url,
        )
    )
    started = time.monotonic()
    seeded = asyncio.run(
        seed(
            backend.settings(),
            users_count=options.users,
            tokens_per_user=options.tokens_per_user,
            real_tokens=options.real_tokens,
        )
    )
    seconds = time.monotonic() - started
    say(
        f"{name}: seeded {options.users} users, {seeded.token_rows} token rows "
        f"({len(seeded.access_tokens)} access tokens in the pool) in {seconds:.1f}s "
        f"({seeded.method})"
    )
    server = serve(stack, backend, workdir / f"{name}-server.log", name)
    pools = Pools(workdir / name / "pools", backend.settings(), seeded)
    return Live(backend, server, pools, seconds)


def serve(
    stack: contextlib.ExitStack[bool | None],
    backend: Backend,
    log: Path,
    name: str,
    extra_env: Mapping[str, str] | None = None,
) -> procs.Server:
    """``tokstack serve --workers 2`` on a free port, killed when ``stack`` closes."""
    port = procs.free_port()
    cmd = [tokstack_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**backend.env(port), **(extra_env or {})}
    proc = stack.enter_context(
        procs.group([*cmd, "--workers", str(WORKERS)], env=env, cwd=backend.data_dir, log=log)
    )
    server = procs.Server(f"tokstack ({name})", port, proc, log)
    procs.wait_ready(server, "/healthz")
    return server


def _ceiling(stack: contextlib.ExitStack[bool | None], workdir: Path, body: bytes) -> procs.Server:
    body_file = workdir / "ceiling.json"
    body_file.write_bytes(body)
    port = procs.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TOKSTACK_")},
        "BENCH_CEILING_BODY": str(body_file),
        "PYTHONPATH": str(ROOT),
    }
    cmd = [
        sys.executable, "-m", "uvicorn", "bench.ceiling:app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
        "--no-access-log", "--loop", "uvloop", "--http", "httptools",
        "--lifespan", "off", "--log-level", "warning",
    ]  # fmt: skip
    log = workdir / "ceiling-server.log"
    proc = stack.enter_context(procs.group(cmd, env=env, cwd=ROOT, log=log))
    server = procs.Server("ceiling", port, proc, log)
    procs.wait_ready(server, "/")
    return server


def facts(server: procs.Server) -> ServerFacts:
    workers = procs.children(server.proc.pid) or server.workers
    rss = [kib for kib in (procs.peak_rss_kib(pid) for pid in workers) if kib is not None]
    procs.kill_group(server.proc)
    lines = server.log.read_text(errors="replace").splitlines() if server.log.exists() else []
    errors = [ln for ln in lines if '"level":"error"' in ln or "Traceback" in ln]
    return ServerFacts(server.name, rss, len(errors), [ln[:400] for ln in errors[:5]])


def run(options: Options) -> Outcome:
    started = time.monotonic()
    binary = wrk.ensure_wrk()
    key = secrets.token_urlsafe(48)
    with (
        tempfile.TemporaryDirectory(prefix="tokstack-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        lives: list[Live] = []
        chosen = [s for s in SCENARIOS if s.name in options.scenarios]
        for name in options.backends:
            live = _backend(stack, name, workdir, options, key)
            for scenario in chosen:
                if live.backend.emulator and scenario.name not in EMULATOR_SCENARIOS:
                    continue  # emulator mode is measured on the user-info path only
                live.measured[scenario.name] = Measured(scenario, name, live.backend.label)
            lives.append(live)
        bodies = [check(live.server.base, live.pools) for live in lives]
        say(f"checks passed; user-info body is {len(bodies[0])} bytes")
        ceiling_server = _ceiling(stack, workdir, bodies[0])
        ceiling = Measured(CEILING, "uvicorn", "bare ASGI")
        for round_no in range(1, options.rounds + 1):
            say(f"round {round_no}/{options.rounds}")
            for live in lives:
                _measure(binary, options, ceiling_server, live, CEILING, ceiling)
                for scenario in chosen:
                    if scenario.name not in live.measured:
                        continue
                    into = live.measured[scenario.name]
                    _measure(binary, options, live.server, live, scenario, into)
                    into.ceiling_rps.append(ceiling.results[-1].rps)
        uploads = None
        if options.upload_mb:  # on the first backend, after its wrk runs
            first = lives[0]
            say(f"upload of {options.upload_mb} MB against a plain copy, {options.rounds} rounds")
            uploads = measure_uploads(
                first.server, first.pools.seeded.video_token, workdir, options.upload_mb,
                options.rounds,
            )  # fmt: skip
            say(
                f"  {first.backend.name}: upload {uploads.upload_mb_s} MB/s, copy "
                f"{uploads.copy_mb_s} MB/s, worker growth {uploads.growth_mib} MiB"
            )
        servers = {live.backend.name: facts(live.server) for live in lives}
        servers["ceiling"] = facts(ceiling_server)
    measured = [ceiling, *(m for live in lives for m in live.measured.values())]
    container = _container(options.container_starts)  # after the servers stopped
    return Outcome(
        options,
        measured,
        servers,
        {live.backend.name: live.seed_seconds for live in lives},
        time.monotonic() - started,
        uploads,
        container,
    )


def _container(runs: int) -> StartResult | None:
    if not runs:
        return None
    reason = container_start.unavailable()
    if reason is not None:
        say(f"container start not measured: {reason}")
        return None
    say(f"container start: {runs} runs of {container_start.IMAGE}")
    return container_start.measure(runs)
