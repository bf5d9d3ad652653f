"""Request metrics (and an optional access log) as a plain ASGI middleware."""

from __future__ import annotations

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


class Observe:
    def __init__(self, app: ASGIApp, access_log_enabled: bool = False) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

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
            children = self._children.get((route, status))
            if children is None:  # labels() takes a lock and a dict lookup: do it once
                children = (REQUESTS.labels(route, str(status)), LATENCY.labels(route))
                self._children[(route, status)] = children
            children[0].inc()
            children[1].observe(elapsed)
            if self.access_log_enabled:
                token = LOG_ID.set(scope.get("log_id"))
                access_log.info(
                    "%s %s %s %.1fms", scope["method"], scope["path"], status, elapsed * 1000
                )
                LOG_ID.reset(token)


async def metrics(request: Request) -> Response:
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
