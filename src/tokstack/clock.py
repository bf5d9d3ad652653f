"""Time as a dependency, so expiry can be tested without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch (UTC)."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class FrozenClock:
    def __init__(self, start: int = 1_767_225_600) -> None:
        self.current = start

    def now(self) -> int:
        return self.current

    def advance(self, seconds: int) -> None:
        self.current += seconds


class EmulatedClock:
    """Emulator mode's time: the system clock moved by an offset, or frozen at an instant.

    The state is set by the control API (``services/emulated_time.py``) and shared by every
    worker; ``now`` stays a plain read, as every expiry check calls it.
    """

    def __init__(self) -> None:
        self.offset = 0
        self.frozen_at: int | None = None

    def real(self) -> int:
        return int(time.time())

    def now(self) -> int:
        return self.frozen_at if self.frozen_at is not None else self.real() + self.offset

    def precise(self) -> float:
        """``now`` with fractions of a second (the rate limiters' sliding windows)."""
        return float(self.frozen_at) if self.frozen_at is not None else time.time() + self.offset

    def state(self) -> dict[str, int | None]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    def load(self, state: dict[str, int | None]) -> None:
        self.offset = int(state.get("offset") or 0)
        frozen = state.get("frozen_at")
        self.frozen_at = None if frozen is None else int(frozen)
