"""Exceptions meaning "a backing service is unavailable" (database, Redis, a timeout):
the edge answers them with 503 and a log_id instead of a 500."""

from __future__ import annotations

import errno
import sys

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_ALWAYS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    TimeoutError,
    ConnectionError,
)


_FULL = (errno.ENOSPC, errno.EDQUOT)  # a full disk or quota: uploads, blobs, SQLite


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, _ALWAYS):
        return True
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    # redis-py is imported only where Redis is configured (0.1 s off every start without it);
    # without it loaded no Redis error can arise
    redis_errors = sys.modules.get("redis.exceptions")
    return redis_errors is not None and isinstance(
        exc, (redis_errors.ConnectionError, redis_errors.TimeoutError)
    )
