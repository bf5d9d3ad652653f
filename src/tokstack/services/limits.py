"""Rate limits (reference section 6): 600 requests per sliding minute, per endpoint per app.

Counted in Redis across every node when ``TOKSTACK_REDIS_URL`` is set, else in this process.
If the limiter itself cannot answer (Redis is down) the request is allowed and the failure
logged: rate limiting protects the service, and must not be the thing that takes it down.
"""

from __future__ import annotations

import logging
from typing import Protocol

from tokstack.domain.models import App
from tokstack.errors import RateLimitExceeded, SlowDown

log = logging.getLogger("tokstack.limits")
WINDOW = 60


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window: int = 60) -> tuple[bool, int]: ...


class RateLimits:
    def __init__(self, limiter: Limiter, per_minute: int, token_per_minute: int) -> None:
        self.limiter = limiter
        self.per_minute = per_minute
        self.token_per_minute = token_per_minute

    async def _hit(self, key: str, limit: int) -> int:
        """0 when allowed, else the seconds to wait."""
        try:
            allowed, retry_after = await self.limiter.hit(key, limit, WINDOW)
        except Exception as exc:
            log.warning("rate limiter unavailable, allowing %s: %s", key, exc)
            return 0
        return 0 if allowed else max(1, retry_after)

    async def api(self, endpoint: str, app_id: int, app_limit: int | None) -> None:
        wait = await self._hit(f"api:{endpoint}:{app_id}", app_limit or self.per_minute)
        if wait:
            raise RateLimitExceeded(wait, detail=f"{endpoint} limit for app {app_id}")

    async def per_token(self, endpoint: str, digest: str, limit: int) -> None:
        """The Content Posting API's limits, per access token (creator info 20/min, ...)."""
        wait = await self._hit(f"tok:{endpoint}:{digest[:32]}", limit)
        if wait:
            raise RateLimitExceeded(wait, detail=f"{endpoint} limit for one access token")

    async def token(self, client_key: str, app: App | None = None) -> None:
        limit = (app.rate_limit_per_minute if app else None) or self.token_per_minute
        # no client_key is longer than 64 characters: longer ones share one bucket, so a
        # flood of huge made-up keys cannot fill the limiter's memory (or Redis) with them
        wait = await self._hit(f"oauth:{client_key if len(client_key) <= 64 else '~'}", limit)
        if wait:
            raise SlowDown(retry_after=wait, detail=f"token endpoint limit for {client_key}")
