"""Batched request metrics reach Prometheus exactly as per-request observations would."""

from __future__ import annotations

import asyncio
import contextlib

from prometheus_client import REGISTRY

from tokstack.web.observe import TALLY, Tally, flush_metrics


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_flush_adds_counts_buckets_and_sum() -> None:
    route = "tally_test_route"
    before = {
        "count": sample("tokstack_http_requests_total", route=route, status="200"),
        "not_found": sample("tokstack_http_requests_total", route=route, status="404"),
        "le_1ms": sample("tokstack_http_request_duration_seconds_bucket", route=route, le="0.001"),
        "le_5ms": sample("tokstack_http_request_duration_seconds_bucket", route=route, le="0.005"),
        "inf": sample("tokstack_http_request_duration_seconds_bucket", route=route, le="+Inf"),
        "sum": sample("tokstack_http_request_duration_seconds_sum", route=route),
    }
    tally = Tally()
    for elapsed in (0.0004, 0.001, 0.003, 20.0):
        tally.add(route, 200, elapsed)
    tally.add(route, 404, 0.0002)
    tally.flush()
    # buckets are cumulative: le=0.001 holds 0.0002, 0.0004 and 0.001
    assert sample("tokstack_http_requests_total", route=route, status="200") == before["count"] + 4
    assert (
        sample("tokstack_http_requests_total", route=route, status="404") == before["not_found"] + 1
    )
    bucket = "tokstack_http_request_duration_seconds_bucket"
    assert sample(bucket, route=route, le="0.001") == before["le_1ms"] + 3
    assert sample(bucket, route=route, le="0.005") == before["le_5ms"] + 4
    assert sample(bucket, route=route, le="+Inf") == before["inf"] + 5
    total = sample("tokstack_http_request_duration_seconds_sum", route=route) - before["sum"]
    assert abs(total - 20.0046) < 1e-9
    tally.flush()  # nothing new: nothing added twice
    assert sample(bucket, route=route, le="+Inf") == before["inf"] + 5


async def test_the_flusher_hands_counts_over_while_running_and_on_shutdown() -> None:
    route = "tally_flusher_route"
    flusher = asyncio.create_task(flush_metrics(every=0.01))
    TALLY.add(route, 200, 0.001)
    await asyncio.sleep(0.05)
    assert sample("tokstack_http_requests_total", route=route, status="200") == 1
    TALLY.add(route, 200, 0.001)
    flusher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flusher
    assert sample("tokstack_http_requests_total", route=route, status="200") == 2
