"""Request metrics (and an optional access log) as a plain ASGI middleware."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tokstack.logs import LOG_ID
from tokstack.metrics import LATENCY, REQUESTS

access_log = logging.getLogger("tokstack.access")


FLUSH_EVERY = 1.0  # seconds; Prometheus scrapes every 15 s or more


class Tally:
    """Request counts and latencies kept in this process, handed to Prometheus in batches.

    With several workers every Prometheus increment takes a lock and writes a shared mmap
    file: three of them per request were a fifth of the user-info path's CPU. Batched, a
    worker's counts reach ``/metrics`` within a second (at once for the worker serving it).
    """

    def __init__(self) -> None:
        self._requests: dict[tuple[str, int], int] = {}
        self._latency: dict[str, tuple[list[int], list[float]]] = {}  # bucket counts, sum
        self._bounds = LATENCY._upper_bounds  # the histogram's own buckets, +Inf last

    def add(self, route: str, status: int, elapsed: float) -> None:
        key = (route, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        latency = self._latency.get(route)
        if latency is None:
            latency = self._latency[route] = ([0] * len(self._bounds), [0.0])
        latency[1][0] += elapsed
        counts = latency[0]
        for i, bound in enumerate(self._bounds):
            if elapsed <= bound:
                counts[i] += 1
                break

    def flush(self) -> None:
        requests, self._requests = self._requests, {}
        latency, self._latency = self._latency, {}
        for (route, status), count in requests.items():
            REQUESTS.labels(route, str(status)).inc(count)
        for route, (counts, total) in latency.items():
            child = LATENCY.labels(route)
            # prometheus_client has no "observe n times"; its children keep one value per
            # bucket (the same writes observe() makes, once per batch instead of per request)
            child._sum.inc(total[0])
            for value, count in zip(child._buckets, counts, strict=True):
                if count:
                    value.inc(count)


TALLY = Tally()


async def flush_metrics(every: float = FLUSH_EVERY) -> None:
    """Runs for the app's lifetime: hands the tally to Prometheus every ``every`` seconds."""
    try:
        while True:
            await asyncio.sleep(every)
            TALLY.flush()
    finally:
        TALLY.flush()  # on shutdown too


class Observe:
    def __init__(self, app: ASGIApp, access_log_enabled: bool = False) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled

    @property
    def state(self) -> Any:
        return self.app.state  # type: ignore[attr-defined]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            endpoint = scope.get("endpoint")
            route = getattr(endpoint, "__name__", "unmatched")
            elapsed = time.perf_counter() - started
            TALLY.add(route, status, elapsed)
            if self.access_log_enabled:
                token = LOG_ID.set(scope.get("log_id"))
                access_log.info(
                    "%s %s %s %.1fms", scope["method"], scope["path"], status, elapsed * 1000
                )
                LOG_ID.reset(token)


async def metrics(request: Request) -> Response:
    TALLY.flush()
    registry: Any = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry)
    # queue depth is read from the database at scrape time, so every worker agrees
    extra = CollectorRegistry()
    backlog = Gauge(
        "tokstack_webhook_backlog", "Webhook events waiting for delivery", registry=extra
    )
    try:
        async with request.app.state.container.ctx.store.unit() as unit:
            backlog.set(await unit.webhooks.backlog())
        body += generate_latest(extra)
    except Exception as exc:  # the database is down: report what we have
        access_log.warning("webhook backlog unavailable for /metrics: %s", exc)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
