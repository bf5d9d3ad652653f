"""Prometheus metrics. In ``serve --workers N`` every worker writes to a shared directory
(``PROMETHEUS_MULTIPROC_DIR``) and ``/metrics`` adds them up."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "tokstack_http_requests_total", "HTTP requests by route and status", ["route", "status"]
)
LATENCY = Histogram(
    "tokstack_http_request_duration_seconds",
    "HTTP request latency by route",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
TOKENS_ISSUED = Counter("tokstack_tokens_issued_total", "Tokens issued by kind", ["kind"])
REVOCATIONS = Counter("tokstack_revocations_total", "Authorizations revoked by reason", ["reason"])
WEBHOOKS = Counter(
    "tokstack_webhook_deliveries_total", "Webhook delivery attempts by outcome", ["outcome"]
)
