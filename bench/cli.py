"""``python -m bench``: the command line."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from statistics import median
from types import FrameType

import psycopg
import redis

from bench.backends import BACKENDS
from bench.report import summarize, table, write_json
from bench.runner import ROOT, Options, run, say
from bench.scenarios import SCENARIOS
from bench.seed import REAL_TOKENS

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _backends(value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {','.join(BACKENDS)}")
    return names


def _scenarios(value: str) -> tuple[str, ...]:
    known = [s.name for s in SCENARIOS]
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {','.join(known)}")
    return names


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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Load-test tokstack with wrk (-t1) against a bare ASGI ceiling app on 127.0.0.1: "
            "user info with one warm token and with every seeded token, refresh_token and "
            "authorization_code grants; SQLite and PostgreSQL (+ Redis) backends, 2 workers each."
        ),
    )
    p.add_argument("--users", type=_positive_int, default=1000, help="seeded users (1000)")
    p.add_argument(
        "--tokens-per-user", type=_positive_int, default=1, help="access tokens per user (1)"
    )
    p.add_argument(
        "--backends",
        type=_backends,
        default=BACKENDS,
        help="comma list (sqlite,postgres,sqlite-emulator)",
    )
    p.add_argument(
        "--scenarios",
        type=_scenarios,
        default=tuple(s.name for s in SCENARIOS),
        help=f"comma list ({','.join(s.name for s in SCENARIOS)}); the ceiling always runs",
    )
    p.add_argument(
        "--real-tokens",
        type=_positive_int,
        default=REAL_TOKENS,
        help=(
            f"access tokens the load test can send: all up to this many, else a uniform "
            f"sample; the other rows hold digests of filler strings ({REAL_TOKENS})"
        ),
    )
    p.add_argument(
        "--upload-mb", type=int, default=200,
        help="MB uploaded in 64 MB chunks against a plain copy (200; 0 skips)",
    )  # fmt: skip
    p.add_argument(
        "--container-starts", type=int, default=5,
        help="starts of tokstack:latest timed to healthy (5; 0 skips; needs docker, make image)",
    )  # fmt: skip
    p.add_argument("--rounds", type=_positive_int, default=3, help="rounds; medians (3)")
    p.add_argument("--duration", type=_positive_float, default=8.0, help="seconds per run (8)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before a run (2)")
    p.add_argument("--connections", type=_positive_int, default=32, help="wrk -c (32)")
    p.add_argument("--codes", type=_positive_int, default=None, help="codes minted per run (auto)")
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 1 round of 4 s, 1 s warm-up, sqlite only"
    )
    p.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES, help="creates the bench db")
    p.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS,
        help="TOKSTACK_REDIS_URL of the postgres backend ('' for none)",
    )
    p.add_argument("--output", type=Path, default=ROOT / "bench-results", help="JSON directory")
    return p


def options(args: argparse.Namespace) -> Options:
    if args.quick:
        args.rounds, args.duration, args.warmup, args.backends = 1, 4.0, 1.0, ("sqlite",)
    return Options(
        users=args.users,
        tokens_per_user=args.tokens_per_user,
        backends=args.backends,
        rounds=args.rounds,
        duration=args.duration,
        warmup=max(0.0, args.warmup),
        connections=args.connections,
        codes=args.codes,
        postgres_admin=args.postgres_admin_url,
        redis_url=args.redis_url,
        scenarios=args.scenarios,
        upload_mb=args.upload_mb,
        container_starts=args.container_starts,
        real_tokens=args.real_tokens,
    )


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the ``finally`` blocks that stop the servers


def prepare_process() -> None:
    """SIGTERM/SIGHUP unwind like Ctrl-C; no TOKSTACK_* of the caller reaches tokstack."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    # The harness configures tokstack itself; a TOKSTACK_* of the caller must not leak in.
    for name in [k for k in os.environ if k.startswith("TOKSTACK_")]:
        del os.environ[name]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    opts = options(args)
    prepare_process()
    runs = opts.rounds * len(opts.backends) * (len(opts.scenarios) + 1)
    say(
        f"{runs} wrk runs of {opts.duration:g}s (+{opts.warmup:g}s warm-up): "
        f"about {runs * (opts.duration + opts.warmup) / 60:.1f} min plus setup"
    )
    try:
        outcome = run(opts)
    except KeyboardInterrupt:
        say("interrupted; servers stopped")
        return 130
    except (RuntimeError, OSError, psycopg.Error, redis.RedisError) as exc:
        say(f"error: {type(exc).__name__}: {exc}")
        return 1
    rows = summarize(outcome)
    print(table(rows))
    if outcome.uploads is not None:
        up = outcome.uploads
        print(
            f"\nupload of {up.size_mb} MB in 64 MB chunks: {median(up.upload_mb_s):.0f} MB/s, "
            f"a plain copy {median(up.copy_mb_s):.0f} MB/s (ratio {up.ratio:.2f}); "
            f"worker growth at most {max(up.growth_mib):.1f} MiB"
        )
    if outcome.container is not None:
        box = outcome.container
        print(
            f"\ncontainer start ({box.image}): healthy after {median(box.healthy_s):.2f} s "
            f"(median; max {max(box.healthy_s):.2f}; target 3 s), /healthz answering after "
            f"{median(box.serving_s):.2f} s"
        )
    path = write_json(outcome, rows, args.output)
    print(f"\nwall time {outcome.wall_seconds:.0f}s; results: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
