"""Applying emulator faults to a request: the delay, then the error or the dropped connection.

Routes call ``apply`` with what they know of the request; outside emulator mode
``container.faults`` is None and this costs one attribute test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

from tokstack.domain.faults import Facts
from tokstack.errors import ApiError
from tokstack.services.faults import ConnectionDropped, error_for
from tokstack.web.container import Container

DROP = "tokstack.drop"  # the scope extension our HTTP protocol offers (web/protocol.py)


async def apply(
    container: Container,
    scope: MutableMapping[str, Any],
    facts: Facts,
    redirect: tuple[str, str | None] | None = None,
) -> None:
    """Raises the fault's error (redirected to the app on authorize) or drops the
    connection; returns normally when no rule fires."""
    if container.faults is None:
        return
    outcome = await container.faults.check(facts)
    if outcome is None:
        return
    scope["fault_ids"] = outcome.fault_ids  # for the request journal
    if outcome.latency_ms:
        await asyncio.sleep(outcome.latency_ms / 1000)
    rule = outcome.rule
    if rule is None:
        return
    if rule.drop:
        drop: Callable[[], None] | None = scope.get("extensions", {}).get(DROP)
        if drop is not None:
            drop()
        raise ConnectionDropped(rule.id)
    error: ApiError = error_for(rule)
    if redirect is not None:
        error.redirect_to(*redirect)
    raise error
