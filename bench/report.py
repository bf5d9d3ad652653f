"""Medians over rounds, the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.runner import ROOT, Measured, Outcome
from bench.scenarios import CEILING

COLUMNS = (
    ("scenario", "<", 32),
    ("backend", "<", 18),
    ("req/s", ">", 8),
    ("p50 ms", ">", 7),
    ("p99 ms", ">", 7),
    ("non-2xx", ">", 8),
    ("sock err", ">", 8),
    ("RSS/worker MiB", ">", 14),
    ("vs ceiling", ">", 10),
)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarize(outcome: Outcome) -> list[dict[str, Any]]:
    rows = []
    for m in outcome.measured:
        facts = outcome.servers.get("ceiling" if m.scenario is CEILING else m.backend)
        rows.append(_row(m, facts.worker_peak_rss_kib if facts else []))
    return rows


def _ratio(m: Measured) -> float | None:
    """Median of per-round ratios, each against the ceiling run just before it: a machine
    that slows down for a while slows both sides of a pair."""
    if m.scenario is CEILING:
        return 1.0
    pairs = [r.rps / c for r, c in zip(m.results, m.ceiling_rps, strict=True) if c]
    return round(_median(pairs), 4) if pairs else None


def _row(m: Measured, rss: list[int]) -> dict[str, Any]:
    rps = _median([r.rps for r in m.results])
    non_2xx = sum(r.non_2xx for r in m.results)
    socket_errors = sum(r.socket_errors for r in m.results)
    overflow = sum(r.pool_overflow for r in m.results)
    return {
        "scenario": m.scenario.name,
        "title": m.scenario.title,
        "backend": m.backend,
        "backend_label": m.label,
        "rps_median": round(rps, 1),
        "p50_ms_median": round(_median([r.p50_ms for r in m.results]), 3),
        "p99_ms_median": round(_median([r.p99_ms for r in m.results]), 3),
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "code_pool_overflow": overflow,
        "flagged": bool(non_2xx or socket_errors or overflow),
        "worker_peak_rss_kib": rss,
        "ratio_to_ceiling": _ratio(m),
        "paired_ceiling_rps": [round(c, 1) for c in m.ceiling_rps],
        "codes_minted": m.codes_minted,
        "rounds": [asdict(r) | {"rps": round(r.rps, 1)} for r in m.results],
    }


def table(rows: list[dict[str, Any]]) -> str:
    def line(cells: list[str]) -> str:
        return "  ".join(
            f"{c:{align}{width}}" for c, (_, align, width) in zip(cells, COLUMNS, strict=True)
        )

    out = [line([name for name, _, _ in COLUMNS]), line(["-" * w for _, _, w in COLUMNS])]
    for row in rows:
        rss = row["worker_peak_rss_kib"]
        ratio = row["ratio_to_ceiling"]
        out.append(
            line(
                [
                    ("! " if row["flagged"] else "") + row["title"],
                    row["backend_label"],
                    f"{row['rps_median']:.0f}",
                    f"{row['p50_ms_median']:.2f}",
                    f"{row['p99_ms_median']:.2f}",
                    str(row["non_2xx"]),
                    str(row["socket_errors"]),
                    f"{max(rss) / 1024:.0f}" if rss else "?",
                    f"{ratio:.3f}" if ratio is not None else "-",
                ]
            )
        )
    if any(row["flagged"] for row in rows):
        out.append(
            "! = errors: non-2xx responses, socket errors or a code pool that ran out "
            "(see the JSON file)"
        )
    return "\n".join(out)


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def write_json(outcome: Outcome, rows: list[dict[str, Any]], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = directory / f"{stamp}.json"
    document = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": _git_commit(),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": asdict(outcome.options),
        "wall_seconds": round(outcome.wall_seconds, 1),
        "seed_seconds": {k: round(v, 2) for k, v in outcome.seed_seconds.items()},
        "servers": {name: asdict(facts) for name, facts in outcome.servers.items()},
        "rows": rows,
        "uploads": outcome.uploads.as_json() if outcome.uploads is not None else None,
        "container": outcome.container.as_json() if outcome.container is not None else None,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
