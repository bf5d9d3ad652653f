"""The rate limiter contract (in memory and in Redis) and the Redis revocation bus.

The memory limiter reads an injected clock that the tests move on; Redis keeps its own
clock, so there the windows are 2 s long and the tests really sleep.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tests.services import REDIS_URL, unavailable
from tokstack.storage.leased_limits import LeasedRateLimiter
from tokstack.storage.memory_limits import MemoryRateLimiter
from tokstack.storage.redis_bus import RedisRevocationBus, RevocationEvent
from tokstack.storage.redis_limits import RedisRateLimiter
from tokstack.storage.redis_store import connect

WINDOW = 2


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window: int = 60) -> tuple[bool, int]: ...


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    limiter: Limiter
    pass_time: Callable[[float], Awaitable[None]]


@dataclass
class RedisNodes:
    """Clients that share nothing but the Redis server and a per-test key prefix."""

    prefix: str
    name: str
    clients: list[aioredis.Redis]

    def client(self) -> aioredis.Redis:
        made = connect(REDIS_URL, timeout=2.0, client_name=self.name)
        self.clients.append(made)
        return made


@pytest.fixture
async def nodes() -> AsyncIterator[RedisNodes]:
    probe = connect(REDIS_URL, timeout=2.0)
    try:
        await probe.ping()
    except Exception as exc:
        await probe.aclose()
        unavailable("redis", str(exc).splitlines()[0])
    token = secrets.token_hex(6)
    made = RedisNodes(f"tokstack-test:{token}:", f"tokstack-test-{token}", [probe])
    try:
        yield made
    finally:
        keys = [key async for key in probe.scan_iter(match=f"{made.prefix}*")]
        if keys:
            await probe.delete(*keys)
        for client in made.clients:
            await client.aclose()


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("leased-redis", marks=pytest.mark.redis),
    ]
)
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        fake = FakeTime()

        async def advance(seconds: float) -> None:
            fake.now += seconds

        return Backend(MemoryRateLimiter(clock=fake), advance)
    nodes: RedisNodes = request.getfixturevalue("nodes")
    redis_limiter = RedisRateLimiter(nodes.client(), prefix=nodes.prefix)
    if request.param == "leased-redis":  # small limits: batches of one, exact
        return Backend(LeasedRateLimiter(redis_limiter), asyncio.sleep)
    return Backend(redis_limiter, asyncio.sleep)


async def test_allows_the_limit_then_refuses_with_a_retry_after(backend: Backend) -> None:
    hit = backend.limiter.hit
    assert [await hit("app:1", 3, WINDOW) for _ in range(3)] == [(True, 0)] * 3
    allowed, retry_after = await hit("app:1", 3, WINDOW)
    assert not allowed and 0 < retry_after <= WINDOW
    assert (await hit("app:1", 3, WINDOW))[0] is False
    assert await hit("app:2", 3, WINDOW) == (True, 0)  # keys are counted apart


async def test_the_window_slides(backend: Backend) -> None:
    hit = backend.limiter.hit
    assert await hit("k", 2, WINDOW) == (True, 0)  # t = 0
    await backend.pass_time(1.0)
    assert await hit("k", 2, WINDOW) == (True, 0)  # t = 1
    assert await hit("k", 2, WINDOW) == (False, 1)  # the t=0 request leaves at t=2
    await backend.pass_time(1.1)
    # t = 2.1: the t=0 request slid out, the t=1 one is still in (a fixed window starting
    # at t=2 would allow two here), and the refused request at t=1 was never counted.
    assert await hit("k", 2, WINDOW) == (True, 0)
    assert await hit("k", 2, WINDOW) == (False, 1)


async def test_concurrent_hits_allow_exactly_the_limit(backend: Backend) -> None:
    results = await asyncio.gather(*(backend.limiter.hit("burst", 5, 60) for _ in range(20)))
    assert sum(allowed for allowed, _ in results) == 5
    assert all(retry > 0 for allowed, retry in results if not allowed)


async def test_no_limit_and_no_window() -> None:
    limiter = MemoryRateLimiter(clock=FakeTime())
    assert await limiter.hit("k", 0, 60) == (False, 60)
    assert await limiter.hit("k", 1, 0) == (True, 0)


async def test_memory_limiter_forgets_idle_keys() -> None:
    fake = FakeTime()
    limiter = MemoryRateLimiter(clock=fake, sweep_every=10)
    for n in range(9):
        await limiter.hit(f"k{n}", 1, 5)
    assert len(limiter) == 9
    fake.now += 5
    await limiter.hit("fresh", 1, 5)  # the 10th hit sweeps
    assert len(limiter) == 1


@pytest.mark.redis
async def test_redis_limit_is_counted_across_nodes(nodes: RedisNodes) -> None:
    first = RedisRateLimiter(nodes.client(), prefix=nodes.prefix)
    second = RedisRateLimiter(nodes.client(), prefix=nodes.prefix)
    assert first.client is not second.client
    outcomes = [await node.hit("shared", 4, 60) for node in (first, second) * 3]
    assert [allowed for allowed, _ in outcomes] == [True] * 4 + [False] * 2
    burst = await asyncio.gather(
        *(node.hit("burst", 6, 60) for node in (first, second) for _ in range(10))
    )
    assert sum(allowed for allowed, _ in burst) == 6


# The revocation bus


class Received:
    def __init__(self) -> None:
        self.events: list[tuple[float, RevocationEvent]] = []
        self.changed = asyncio.Event()

    def __call__(self, event: RevocationEvent) -> None:
        self.events.append((time.perf_counter(), event))
        self.changed.set()

    async def next(self) -> tuple[float, RevocationEvent]:
        seen = len(self.events)
        async with asyncio.timeout(3):
            while len(self.events) <= seen:
                self.changed.clear()
                await self.changed.wait()
        return self.events[seen]


@pytest.fixture
async def buses(nodes: RedisNodes) -> AsyncIterator[tuple[RedisRevocationBus, RedisRevocationBus]]:
    pair = (
        RedisRevocationBus(nodes.client(), prefix=nodes.prefix, min_backoff=0.05),
        RedisRevocationBus(nodes.client(), prefix=nodes.prefix, min_backoff=0.05),
    )
    yield pair
    for bus in pair:
        await bus.stop()


@pytest.mark.redis
async def test_revocations_reach_the_other_node_within_a_second(
    buses: tuple[RedisRevocationBus, RedisRevocationBus],
) -> None:
    sender, listener = buses
    heard = Received()
    listener.start(heard)
    async with asyncio.timeout(2):
        await listener.wait_subscribed()
    delays = []
    for n in range(20):
        sent = time.perf_counter()
        assert await sender.publish([f"digest-{n}", "other"], None) == 1
        at, event = await heard.next()
        delays.append(at - sent)
        assert event == RevocationEvent(digests=(f"digest-{n}", "other"), authorization_id=None)
    await sender.publish(None, 42)
    assert (await heard.next())[1] == RevocationEvent(digests=None, authorization_id=42)
    print(
        f"\nrevocation propagation over {len(delays)} events: "
        f"median {sorted(delays)[len(delays) // 2] * 1000:.2f} ms, max {max(delays) * 1000:.2f} ms"
    )
    assert max(delays) < 1.0


@pytest.mark.redis
async def test_a_confirmed_publish_returns_once_every_listener_has_acted(
    nodes: RedisNodes, buses: tuple[RedisRevocationBus, RedisRevocationBus]
) -> None:
    sender, listener = buses
    acted: list[float] = []
    listener.start(lambda _event: acted.append(time.perf_counter()))
    sender.start(lambda _event: acted.append(time.perf_counter()))
    async with asyncio.timeout(2):
        await listener.wait_subscribed()
        await sender.wait_subscribed()
    for _ in range(10):
        acted.clear()
        assert await sender.publish_confirmed(within=2.0) is True
        returned = time.perf_counter()
        assert len(acted) == 2 and max(acted) <= returned  # both nodes, before the return
    # a subscriber that never acknowledges (a node stuck, or an old version) holds the
    # publisher for the whole window, and no longer
    deaf = nodes.client().pubsub()
    await deaf.subscribe(listener.channel)
    started = time.perf_counter()
    assert await sender.publish_confirmed(within=0.3) is False
    assert 0.25 <= time.perf_counter() - started < 1.0
    await deaf.aclose()


@pytest.mark.redis
async def test_bus_survives_bad_messages_and_failing_callbacks(
    nodes: RedisNodes, buses: tuple[RedisRevocationBus, RedisRevocationBus]
) -> None:
    sender, listener = buses
    heard = Received()
    calls = 0

    def flaky(event: RevocationEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("callback bug")
        heard(event)

    task = listener.start(flaky)
    async with asyncio.timeout(2):
        await listener.wait_subscribed()
    for junk in ("not json", "[1]", '{"digests": "abc"}', '{"authorization_id": true}'):
        await sender.client.publish(listener.channel, junk)
    await sender.publish(["first"], None)  # the callback raises on this one
    await sender.publish(["second"], 7)
    assert (await heard.next())[1] == RevocationEvent(digests=("second",), authorization_id=7)
    assert not task.done()
    assert calls == 2


@pytest.mark.redis
async def test_listener_reconnects_and_reports_a_reset(
    nodes: RedisNodes, buses: tuple[RedisRevocationBus, RedisRevocationBus]
) -> None:
    sender, listener = buses
    heard = Received()
    listener.start(heard)
    async with asyncio.timeout(2):
        await listener.wait_subscribed()
    admin = nodes.clients[0]
    listed = await admin.client_list(_type="pubsub")
    ours = [entry["id"] for entry in listed if entry.get("name") == nodes.name]
    assert len(ours) == 1
    await admin.client_kill_filter(_id=ours[0])
    _, event = await heard.next()
    assert event == RevocationEvent(reset=True)  # whatever was sent meanwhile is lost
    assert listener.subscribed
    await sender.publish(["after"], None)
    assert (await heard.next())[1].digests == ("after",)


async def test_listener_never_raises_while_redis_is_away() -> None:
    bus = RedisRevocationBus.from_url("redis://127.0.0.1:1/0", timeout=0.5)
    bus.min_backoff = bus.max_backoff = 0.02
    task = bus.start(lambda event: None)
    await asyncio.sleep(0.3)
    assert not task.done() and not bus.subscribed
    await bus.aclose()
    assert task.done() and task.cancelled()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "redis://10.255.255.1:6379/0"])
async def test_calls_to_an_unreachable_redis_fail_within_the_timeout(url: str) -> None:
    bus = RedisRevocationBus.from_url(url, timeout=0.3)
    limiter = RedisRateLimiter(bus.client)
    for call in (lambda: bus.publish(["d"], None), lambda: limiter.hit("k", 1)):
        started = time.perf_counter()
        with pytest.raises((RedisError, OSError)):
            await call()
        assert time.perf_counter() - started < 1.0
    await bus.aclose()


async def test_leases_cut_round_trips_and_never_allow_more(nodes: RedisNodes) -> None:
    class Counting:
        def __init__(self, inner: RedisRateLimiter) -> None:
            self.inner, self.calls = inner, 0

        async def reserve(
            self, key: str, limit: int, want: int, window: int = 60
        ) -> tuple[int, int]:
            self.calls += 1
            return await self.inner.reserve(key, limit, want, window)

    shared = [Counting(RedisRateLimiter(nodes.client(), prefix=nodes.prefix)) for _ in range(2)]
    workers = [LeasedRateLimiter(counting) for counting in shared]
    allowed = 0
    for i in range(1200):
        ok, _ = await workers[i % 2].hit("busy", 1000, 60)
        allowed += ok
    assert allowed == 1000  # two processes together: never more than the limit
    assert sum(c.calls for c in shared) < 120  # about one round trip per ten requests
