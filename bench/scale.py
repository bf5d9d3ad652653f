"""``python -m bench.scale``: does the cost of ``/v2/user/info/`` grow with the data?

One run, PostgreSQL + Redis (the default ``postgres`` backend), two databases side by side:

- ``small``: 1,000 users with 1 access token (+ 1 refresh token) each;
- ``large``: 1,000,000 users with 9 access tokens + 1 refresh token each: 10,000,000 rows in
  ``tokens``, looked up by digest on its primary key.

Both are seeded the same way (PostgreSQL ``COPY`` into the migrated schema, every index in
place, then ``VACUUM (ANALYZE)``). The servers run with ``TOKSTACK_ACCESS_CACHE_TTL=0``: no
per-process access cache, so every request reads PostgreSQL; and with a database pool as
large as wrk's connection count (``--db-pool-size``), so that no query pays for opening a
connection. Each wrk run starts the server of its database (``tokstack serve --workers 2``)
and stops it afterwards. wrk runs ``user_info_spread`` against the databases in turn, round
after round (the order rotates), with pools of one size:

- ``small``: its 1,000 tokens, repeated to ``--sample`` lines;
- ``large``: ``--sample`` real tokens drawn uniformly from the whole table;
- ``large, 1k tokens``: 1,000 of those, repeated to ``--sample`` lines: the small database's
  working set on the large database, to tell data size from working-set size.

It prints medians of req/s, p50 and p99, the PostgreSQL buffer hit ratio and the connections
opened during each run, the ratio of p99s (large / small) against ``--limit``, and a
sequential probe of the lookup query itself (one connection, no load) with its plan;
everything goes to ``bench-results/scale-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import make_url

from bench import procs, wrk
from bench.backends import Backend, prepared
from bench.cli import DEFAULT_POSTGRES, DEFAULT_REDIS, prepare_process
from bench.report import _git_commit
from bench.runner import ROOT, WORKERS, facts, say, serve
from bench.scenarios import SPREAD, WARM, Pools, Scenario, check
from bench.seed import Seeded, libpq_url, seed
from tokstack.ids import SecretHasher
from tokstack.storage.sql.hot_queries import ACCESS_QUERY as _ACCESS_QUERY

NO_CACHE = {"TOKSTACK_ACCESS_CACHE_TTL": "0"}
STATS_SETTLE = 1.2  # s: PostgreSQL backends flush their counters at most once a second
POOL_RESERVE = 12  # connections left for writers, checks, probes and the harness itself
FREE_GIB_PER_MILLION_ROWS = 1.0  # heap + indexes + WAL of 1M token rows, with room to spare


@dataclass(frozen=True)
class ScaleOptions:
    small_users: int
    large_users: int
    large_tokens_per_user: int
    sample: int
    scenarios: tuple[str, ...]
    rounds: int
    duration: float
    warmup: float
    connections: int
    probe: int
    db_pool_size: int | None  # TOKSTACK_DB_POOL_SIZE of both servers; 0: default; None: auto
    limit: float
    postgres_admin: str
    redis_url: str


@dataclass
class Database:
    name: str
    backend: Backend
    seeded: Seeded
    seed_seconds: float
    database: str
    env: dict[str, str] = field(default_factory=dict)  # extra server environment
    log: Path | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # of the last server run


@dataclass
class Target:
    """One (database, scenario, token pool): what one wrk run sends where."""

    label: str
    db: Database
    scenario: Scenario
    pools: Pools
    distinct_tokens: int
    pool_lines: int = 0
    results: list[wrk.Result] = field(default_factory=list)
    hit_ratios: list[float | None] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)  # PostgreSQL connections opened per run
    probe: dict[str, Any] = field(default_factory=dict)


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return number


def _scenarios(value: str) -> tuple[str, ...]:
    known = (SPREAD.name, WARM.name)
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not names or any(n not in known for n in names):
        raise argparse.ArgumentTypeError(f"choose from {','.join(known)}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=(
            "p99 of /v2/user/info/ on PostgreSQL (+ Redis) with a small and a large database "
            "side by side (access cache off), and their ratio."
        ),
    )
    p.add_argument("--small-users", type=_positive_int, default=1000, help="(1000)")
    p.add_argument("--large-users", type=_positive_int, default=1_000_000, help="(1000000)")
    p.add_argument(
        "--large-tokens-per-user",
        type=_positive_int,
        default=9,
        help="access tokens per large-set user, plus one refresh token (9: 10M token rows)",
    )
    p.add_argument(
        "--sample",
        type=_positive_int,
        default=20_000,
        help="real tokens of the large set in its wrk pool; lines of every pool (20000)",
    )
    p.add_argument(
        "--scenarios",
        type=_scenarios,
        default=(SPREAD.name,),
        help=f"comma list of {SPREAD.name},{WARM.name} ({SPREAD.name})",
    )
    p.add_argument("--rounds", type=_positive_int, default=5, help="rounds; medians (5)")
    p.add_argument("--duration", type=_positive_float, default=8.0, help="seconds per run (8)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before a run (2)")
    p.add_argument("--connections", type=_positive_int, default=32, help="wrk -c (32)")
    p.add_argument(
        "--probe", type=int, default=2000, help="sequential lookups per pool, no load (2000)"
    )
    p.add_argument(
        "--db-pool-size",
        type=int,
        default=None,
        help=(
            "TOKSTACK_DB_POOL_SIZE of both servers; 0 for tokstack's default (10). Default: "
            "wrk's connections (32), or less if PostgreSQL's max_connections cannot hold that "
            "many per worker. The kernel spreads wrk's connections unevenly "
            "over the workers, and a worker past its pool opens and closes an overflow "
            "connection per query, whose setup would bury the lookup"
        ),
    )
    p.add_argument("--limit", type=_positive_float, default=1.5, help="p99 ratio to pass (1.5)")
    p.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES, help="creates the dbs")
    p.add_argument("--redis-url", default=DEFAULT_REDIS, help="TOKSTACK_REDIS_URL ('' for none)")
    p.add_argument("--output", type=Path, default=ROOT / "bench-results", help="JSON directory")
    return p


def _options(args: argparse.Namespace) -> ScaleOptions:
    return ScaleOptions(
        small_users=args.small_users,
        large_users=args.large_users,
        large_tokens_per_user=args.large_tokens_per_user,
        sample=args.sample,
        scenarios=args.scenarios,
        rounds=args.rounds,
        duration=args.duration,
        warmup=max(0.0, args.warmup),
        connections=args.connections,
        probe=max(0, args.probe),
        db_pool_size=None if args.db_pool_size is None else max(0, args.db_pool_size),
        limit=args.limit,
        postgres_admin=args.postgres_admin_url,
        redis_url=args.redis_url,
    )


# --- PostgreSQL facts --------------------------------------------------------------------


def _data_directory(admin: str) -> Path | None:
    with contextlib.suppress(psycopg.Error), psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
        path = Path(str(row[0])) if row else None
        if path is not None and path.exists():
            return path
    return None


def _free_gib(path: Path) -> float:
    return shutil.disk_usage(path).free / 2**30


def _counters(admin: str, database: str) -> tuple[int, int, int]:
    """Shared-buffer hits, blocks read (from the OS), sessions opened: of one database."""
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT blks_hit, blks_read, sessions FROM pg_stat_database WHERE datname = %s",
            [database],
        ).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


def _sizes(url: str) -> dict[str, int]:
    query = """
        SELECT 'database', pg_database_size(current_database())
        UNION ALL SELECT 'tokens heap', pg_relation_size('tokens')
        UNION ALL SELECT 'tokens primary key', pg_relation_size('pk_tokens')
        UNION ALL SELECT 'tokens all indexes', pg_indexes_size('tokens')
        UNION ALL SELECT 'tokens rows (estimate)', reltuples::bigint FROM pg_class
            WHERE relname = 'tokens'
        UNION ALL SELECT 'users rows (estimate)', reltuples::bigint FROM pg_class
            WHERE relname = 'users'
    """
    with psycopg.connect(url, autocommit=True) as conn:
        return {str(name): int(value) for name, value in conn.execute(query).fetchall()}


def _auto_pool(admin: str, connections: int) -> int:
    """wrk's connections per worker, within the connections PostgreSQL has left: pooled
    connections stay open, and over a run every worker may fill its pool."""
    with psycopg.connect(admin, autocommit=True) as conn:
        limit = conn.execute("SHOW max_connections").fetchone()
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()
    spare = int(limit[0] if limit else 100) - int(used[0] if used else 0) - POOL_RESERVE
    return max(1, min(connections, spare // WORKERS))


def _shared_buffers(admin: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SHOW shared_buffers").fetchone()
    return str(row[0]) if row else "?"


def _access_sql() -> str:
    dialect = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
    return str(_ACCESS_QUERY.compile(dialect=dialect))


def _probe(target: Target, count: int) -> dict[str, Any]:
    """The lookup query alone, ``count`` times on one connection: its latency without HTTP,
    Python or load, and one plan with buffer counts."""
    db = target.db
    settings = db.backend.settings()
    hasher = SecretHasher(settings.secret_key_bytes())
    tokens = [line.removeprefix("Bearer ") for line in target.pools.tokens.read_text().splitlines()]
    rng = random.Random(count)
    picks = [rng.choice(tokens) for _ in range(count)]
    query = _access_sql()
    timings: list[float] = []
    with psycopg.connect(libpq_url(settings), autocommit=True) as conn:
        for token in picks:
            params = {"digest": hasher.digest(token)}
            started = time.perf_counter()
            rows = conn.execute(query, params, prepare=True).fetchall()
            timings.append((time.perf_counter() - started) * 1e6)
            if len(rows) != 1:
                raise RuntimeError(f"probe: {len(rows)} rows for a seeded token on {db.name}")
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query,
            {"digest": hasher.digest(rng.choice(tokens))},
        ).fetchall()
    timings.sort()
    return {
        "queries": count,
        "p50_us": round(_pct(timings, 50), 1),
        "p99_us": round(_pct(timings, 99), 1),
        "mean_us": round(statistics.fmean(timings), 1) if timings else 0.0,
        "plan": [str(row[0]) for row in plan],
    }


def _pct(ordered: list[float], percent: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


# --- the run ------------------------------------------------------------------------------


def _seed(
    stack: contextlib.ExitStack[bool | None],
    name: str,
    workdir: Path,
    key: str,
    options: ScaleOptions,
    users: int,
    tokens_per_user: int,
) -> Database:
    backend = stack.enter_context(
        prepared(
            "postgres",
            workdir / name,
            key,
            postgres_admin=options.postgres_admin,
            redis_url=options.redis_url,
        )
    )
    rows = users * (tokens_per_user + 1)
    say(f"{name}: seeding {users:,} users, {rows:,} token rows (COPY)")
    started = time.monotonic()
    seeded = asyncio.run(
        seed(
            backend.settings(),
            users_count=users,
            tokens_per_user=tokens_per_user,
            real_tokens=options.sample,
            copy=True,
            progress=say,
        )
    )
    seconds = time.monotonic() - started
    database = str(make_url(backend.database_url).database)
    db = Database(name, backend, seeded, seconds, database)
    db.sizes = _sizes(libpq_url(backend.settings()))
    say(
        f"{name}: seeded in {seconds:.1f}s; {seeded.token_rows:,} token rows, "
        f"{len(seeded.access_tokens):,} real access tokens; database "
        f"{db.sizes['database'] / 2**20:,.0f} MiB (tokens primary key "
        f"{db.sizes['tokens primary key'] / 2**20:,.0f} MiB)"
    )
    return db


def _targets(
    small: Database, large: Database, options: ScaleOptions, workdir: Path
) -> list[Target]:
    lines = options.sample
    rng = random.Random(lines)
    same_set = rng.sample(large.seeded.access_tokens, len(small.seeded.access_tokens))
    pools = {
        "small": Pools(
            workdir / "pools-small", small.backend.settings(), small.seeded, None, lines
        ),
        "large": Pools(
            workdir / "pools-large", large.backend.settings(), large.seeded, None, lines
        ),
        "large-same": Pools(
            workdir / "pools-large-same", large.backend.settings(), large.seeded, same_set, lines
        ),
    }
    k = f"{len(same_set) / 1000:g}k"
    targets: list[Target] = []
    for scenario in (s for s in (SPREAD, WARM) if s.name in options.scenarios):
        targets.append(
            Target("small", small, scenario, pools["small"], len(small.seeded.access_tokens))
        )
        targets.append(
            Target("large", large, scenario, pools["large"], len(large.seeded.access_tokens))
        )
        if scenario is SPREAD:
            targets.append(
                Target(f"large, {k} tokens", large, scenario, pools["large-same"], len(same_set))
            )
    for target in targets:
        target.pool_lines = len(target.pools.tokens.read_text().splitlines())
        if target.scenario is WARM:
            target.distinct_tokens, target.pool_lines = 1, 1
    return targets


@contextlib.contextmanager
def _serving(db: Database) -> Iterator[procs.Server]:
    """The database's tokstack server, for one run: one server at a time holds PostgreSQL
    connections, so pools as large as wrk's connection count fit in max_connections."""
    with contextlib.ExitStack() as stack:
        server = serve(stack, db.backend, db.log or Path(os.devnull), db.name, db.env)
        yield server
        db.facts = asdict(facts(server))


def _measure(binary: str, options: ScaleOptions, target: Target, tag: str) -> None:
    with _serving(target.db) as server:
        _measure_on(binary, options, target, tag, server)


def _measure_on(
    binary: str, options: ScaleOptions, target: Target, tag: str, server: procs.Server
) -> None:
    load = target.pools.load(target.scenario)

    def once(seconds: float) -> wrk.Result:
        return wrk.send(
            binary,
            server.base,
            load,
            target.pools.directory,
            tag,
            seconds=seconds,
            connections=options.connections,
        )

    if options.warmup > 0:
        once(options.warmup)
    time.sleep(STATS_SETTLE)
    before = _counters(options.postgres_admin, target.db.database)
    result = once(options.duration)
    time.sleep(STATS_SETTLE)
    after = _counters(options.postgres_admin, target.db.database)
    hit, read, sessions = (a - b for a, b in zip(after, before, strict=True))
    target.sessions.append(sessions)
    ratio = hit / (hit + read) if hit + read else None
    target.results.append(result)
    target.hit_ratios.append(ratio)
    flag = "" if result.non_2xx + result.socket_errors == 0 else "  (!)"
    shown = f"{ratio:.4f}" if ratio is not None else "?"
    say(
        f"  {target.scenario.name:<17} {target.label:<17} {result.rps:>7.0f} req/s  "
        f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  buffer hits {shown}  "
        f"new conns {sessions}  non-2xx {result.non_2xx}{flag}"
    )


def _pool(options: ScaleOptions) -> str:
    if not options.db_pool_size:
        return "TOKSTACK_DB_POOL_SIZE: tokstack's default"
    return (
        f"TOKSTACK_DB_POOL_SIZE={options.db_pool_size} per engine and worker "
        f"({WORKERS} workers, wrk -c{options.connections})"
    )


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _summary(target: Target) -> dict[str, Any]:
    ratios = [r for r in target.hit_ratios if r is not None]
    return {
        "label": target.label,
        "scenario": target.scenario.name,
        "database": target.db.name,
        "distinct_tokens": target.distinct_tokens,
        "pool_lines": target.pool_lines,
        "rps_median": round(_median([r.rps for r in target.results]), 1),
        "p50_ms_median": round(_median([r.p50_ms for r in target.results]), 3),
        "p99_ms_median": round(_median([r.p99_ms for r in target.results]), 3),
        "buffer_hit_ratio_median": round(_median(ratios), 5) if ratios else None,
        "non_2xx": sum(r.non_2xx for r in target.results),
        "socket_errors": sum(r.socket_errors for r in target.results),
        "rounds": [asdict(r) | {"rps": round(r.rps, 1)} for r in target.results],
        "buffer_hit_ratios": target.hit_ratios,
        "connections_opened": target.sessions,
        "probe": target.probe,
    }


def run_scale(options: ScaleOptions) -> dict[str, Any]:
    started = time.monotonic()
    binary = wrk.ensure_wrk()
    key = secrets.token_urlsafe(48)
    if options.db_pool_size is None:
        pool = _auto_pool(options.postgres_admin, options.connections)
        options = dataclasses.replace(options, db_pool_size=pool)
    data_dir = _data_directory(options.postgres_admin)
    large_rows = options.large_users * (options.large_tokens_per_user + 1)
    need = FREE_GIB_PER_MILLION_ROWS * large_rows / 1e6 + 2
    if data_dir is not None:
        free = _free_gib(data_dir)
        say(f"PostgreSQL data directory {data_dir}: {free:.1f} GiB free, about {need:.0f} needed")
        if free < need:
            raise RuntimeError(f"not enough disk: {free:.1f} GiB free, {need:.0f} GiB needed")
    with (
        tempfile.TemporaryDirectory(prefix="tokstack-scale-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        small = _seed(stack, "small", workdir, key, options, options.small_users, 1)
        large = _seed(
            stack,
            "large",
            workdir,
            key,
            options,
            options.large_users,
            options.large_tokens_per_user,
        )
        if data_dir is not None:
            say(f"disk: {_free_gib(data_dir):.1f} GiB free after seeding")
        env = dict(NO_CACHE)
        if options.db_pool_size:
            env["TOKSTACK_DB_POOL_SIZE"] = str(options.db_pool_size)
        targets = _targets(small, large, options, workdir)
        for db in (small, large):
            db.env, db.log = env, workdir / f"{db.name}-server.log"
            with _serving(db) as server:
                check(server.base, next(t.pools for t in targets if t.db is db))
        say(
            "checks passed; TOKSTACK_ACCESS_CACHE_TTL=0 on both servers: no access cache, "
            f"every request reads PostgreSQL; {_pool(options)}; each run starts its server"
        )
        for round_no in range(1, options.rounds + 1):
            say(f"round {round_no}/{options.rounds}")
            shift = (round_no - 1) % len(targets)
            for target in targets[shift:] + targets[:shift]:
                _measure(binary, options, target, f"r{round_no}")
        if options.probe:
            for target in targets:
                if target.scenario is SPREAD:
                    target.probe = _probe(target, options.probe)
        servers = {db.name: db.facts for db in (small, large)}
    return _document(options, small, large, targets, servers, time.monotonic() - started)


def _document(
    options: ScaleOptions,
    small: Database,
    large: Database,
    targets: list[Target],
    servers: dict[str, Any],
    wall: float,
) -> dict[str, Any]:
    rows = [_summary(t) for t in targets]
    ratios: dict[str, Any] = {}
    for scenario in options.scenarios:
        base = next(r for r in rows if r["scenario"] == scenario and r["label"] == "small")
        for row in rows:
            if row["scenario"] != scenario or row is base or not base["p99_ms_median"]:
                continue
            key = f"{scenario}: {row['label']} / small"
            ratios[key] = {
                "p99": round(row["p99_ms_median"] / base["p99_ms_median"], 3),
                "p50": round(row["p50_ms_median"] / base["p50_ms_median"], 3)
                if base["p50_ms_median"]
                else None,
                "rps": round(row["rps_median"] / base["rps_median"], 3)
                if base["rps_median"]
                else None,
            }
    headline = ratios.get(f"{SPREAD.name}: large / small")
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": _git_commit(),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": asdict(options),
        "access_cache": "off (TOKSTACK_ACCESS_CACHE_TTL=0): every request reads PostgreSQL",
        "db_pool": _pool(options),
        "shared_buffers": _shared_buffers(options.postgres_admin),
        "wall_seconds": round(wall, 1),
        "databases": {
            db.name: {
                "users": len(db.seeded.user_ids),
                "token_rows": db.seeded.token_rows,
                "real_access_tokens": len(db.seeded.access_tokens),
                "seed_seconds": round(db.seed_seconds, 2),
                "seed_phases": dict(db.seeded.phases),
                "sizes_bytes": db.sizes,
            }
            for db in (small, large)
        },
        "servers": servers,
        "rows": rows,
        "ratios": ratios,
        "limit": options.limit,
        "passed": headline["p99"] <= options.limit if headline else None,
    }


def _print(document: dict[str, Any]) -> None:
    print(
        f"\n{'scenario':<17}  {'target':<17}  {'tokens':>7}  {'req/s':>7}  {'p50 ms':>7}  "
        f"{'p99 ms':>7}  {'buf hits':>8}  {'probe p50/p99 us':>16}  {'non-2xx':>7}"
    )
    for row in document["rows"]:
        probe = row["probe"]
        shown = f"{probe['p50_us']:.0f}/{probe['p99_us']:.0f}" if probe else "-"
        hits = row["buffer_hit_ratio_median"]
        print(
            f"{row['scenario']:<17}  {row['label']:<17}  {row['distinct_tokens']:>7}  "
            f"{row['rps_median']:>7.0f}  {row['p50_ms_median']:>7.2f}  "
            f"{row['p99_ms_median']:>7.2f}  {(f'{hits:.4f}' if hits is not None else '?'):>8}  "
            f"{shown:>16}  {row['non_2xx'] + row['socket_errors']:>7}"
        )
    print()
    for name, ratio in document["ratios"].items():
        print(
            f"{name}: p99 x{ratio['p99']:.2f}, p50 x{ratio['p50']:.2f}, req/s x{ratio['rps']:.2f}"
        )
    large = document["databases"]["large"]
    phases = ", ".join(f"{k} {v:.0f}s" for k, v in large["seed_phases"].items())
    print(
        f"\nlarge set: {large['users']:,} users, {large['token_rows']:,} token rows, seeded in "
        f"{large['seed_seconds']:.0f}s ({phases})"
    )
    print(f"access cache: {document['access_cache']}")
    print(f"{document['db_pool']}; shared_buffers {document['shared_buffers']}")
    passed = document["passed"]
    if passed is not None:
        verdict = "PASS" if passed else "FAIL"
        print(f"{verdict}: p99 large / small within x{document['limit']:g}")


def write_json(document: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"scale-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = _options(args)
    prepare_process()
    targets = len(options.scenarios) * 2 + (SPREAD.name in options.scenarios)
    per_run = options.duration + options.warmup + 2 * STATS_SETTLE
    say(
        f"{options.rounds * targets} wrk runs of {options.duration:g}s (+{options.warmup:g}s "
        f"warm-up): about {options.rounds * targets * per_run / 60:.1f} min plus seeding"
    )
    try:
        document = run_scale(options)
    except KeyboardInterrupt:
        say("interrupted; servers stopped, databases dropped")
        return 130
    except (RuntimeError, OSError, psycopg.Error, redis.RedisError) as exc:
        say(f"error: {type(exc).__name__}: {exc}")
        return 1
    _print(document)
    path = write_json(document, args.output)
    print(f"\nwall time {document['wall_seconds']:.0f}s; results: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
