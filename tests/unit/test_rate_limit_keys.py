"""The token endpoint's limiter keys: a made-up client_key cannot grow the limiter."""

from __future__ import annotations

import pytest

from tokstack.errors import SlowDown
from tokstack.services.limits import RateLimits
from tokstack.storage.memory_limits import MemoryRateLimiter


async def test_overlong_client_keys_share_one_bucket() -> None:
    limiter = MemoryRateLimiter()
    limits = RateLimits(limiter, per_minute=600, token_per_minute=50)
    for i in range(50):
        await limits.token(f"{i:05d}" + "k" * 5000)
    assert len(limiter) == 1  # not 50 entries of 5 KB each
    with pytest.raises(SlowDown):
        await limits.token("another" + "k" * 5000)
    # real keys (at most 64 characters) keep their own buckets
    await limits.token("awdemowebapp0001")
    await limits.token("k" * 64)
    assert len(limiter) == 3
