"""Giving up on a call at a deadline without waiting for it to clean up.

``asyncio.timeout`` cancels the call and then waits for it to unwind, and psycopg answers a
cancellation by asking the server to cancel the query: against a frozen server that wait
lasted 10 s more. Here the call runs as its own task; at the deadline it is cancelled and
left to unwind in the background while the caller moves on with ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: an abandoned call's failure is not "never retrieved"


async def within(seconds: float, call: Awaitable[T]) -> T:
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


async def to_the_end(call: Awaitable[T]) -> T:
    """Runs ``call`` to its end even if the request's deadline gives up waiting for it: a
    reset or a seed half applied would leave a half-built world."""
    task = asyncio.ensure_future(call)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)
