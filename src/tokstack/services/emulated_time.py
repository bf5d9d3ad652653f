"""Emulator mode's clock control: advance, set, freeze and reset time for every worker.

The clock's state (an offset from the system clock, or a frozen instant) is kept in the
ephemeral store and reloaded by each worker when the change signal moves; a change notifies
the signal before it answers, as fault rules do (``services/faults.py``). Everything that
expires reads ``ctx.clock``: codes, access and refresh tokens, signed avatar URLs, login
steps; and the CLI, on the same database, loads the same state before it runs.
"""

from __future__ import annotations

from typing import Any

import orjson

from tokstack.clock import EmulatedClock
from tokstack.errors import ValidationError
from tokstack.services.access_cache import ChangeSignal
from tokstack.storage.ports import EphemeralStore

KEY = "emulator:clock"
KEEP = 100 * 365 * 86_400  # the state outlives any test run (reset clears it)
LIMIT = 50 * 365 * 86_400  # no further than 50 years from now, either way


class ClockControl:
    def __init__(
        self, clock: EmulatedClock, ephemeral: EphemeralStore, signal: ChangeSignal
    ) -> None:
        self.clock = clock
        self.ephemeral = ephemeral
        self.signal = signal
        self._loaded = False
        self._seen: int | None = None

    async def refresh(self) -> None:
        """Brings this worker's clock up to date (a memory read unless something changed)."""
        version = self.signal.version()
        if self._loaded and version is not None and version == self._seen:
            return
        raw = await self.ephemeral.get(KEY)
        self.clock.load(orjson.loads(raw) if raw else {})
        self._seen, self._loaded = version, True

    def show(self) -> dict[str, Any]:
        return {
            "now": self.clock.now(),
            "offset": self.clock.now() - self.clock.real(),
            "frozen": self.clock.frozen_at is not None,
        }

    async def change(self, body: Any) -> dict[str, Any]:
        """``{"advance": S}``, ``{"set": UNIX}``, ``{"freeze": bool}`` or ``{"reset": true}``."""
        if not isinstance(body, dict) or len(body) != 1:
            raise ValidationError(
                'send one of {"advance": S}, {"set": UNIX}, {"freeze": true|false}, {"reset": true}'
            )
        await self.refresh()
        ((name, value),) = body.items()
        clock, real = self.clock, self.clock.real()
        if name in ("advance", "set"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"'{name}' must be an integer (seconds)")
            target = clock.now() + value if name == "advance" else value
            if abs(target - real) > LIMIT:
                raise ValidationError(f"'{name}': at most 50 years from now")
            if clock.frozen_at is not None:
                clock.frozen_at = target
            else:
                clock.offset = target - real
        elif name == "freeze":
            if not isinstance(value, bool):
                raise ValidationError("'freeze' must be true or false")
            if value and clock.frozen_at is None:
                clock.frozen_at = clock.now()
            elif not value and clock.frozen_at is not None:
                clock.offset, clock.frozen_at = clock.frozen_at - real, None
        elif name == "reset":
            if value is not True:
                raise ValidationError("'reset' must be true")
            clock.offset, clock.frozen_at = 0, None
        else:
            raise ValidationError(f"{name!r} is not a clock change (advance, set, freeze, reset)")
        await self.ephemeral.put(KEY, orjson.dumps(clock.state()).decode(), KEEP)
        await self.signal.notify()
        return self.show()
