"""Emulator mode's world: back to the seed in one call, and tokens on request."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from tokstack.errors import ValidationError
from tokstack.services.access_cache import ChangeSignal
from tokstack.services.context import Context
from tokstack.services.demo import ensure_demo
from tokstack.services.emulated_time import ClockControl
from tokstack.services.journal import RequestJournal
from tokstack.services.tokens import issue_for_user
from tokstack.storage.ports import WorldWipe


class World:
    def __init__(
        self,
        ctx: Context,
        wipe: WorldWipe,
        signal: ChangeSignal,
        clock: ClockControl | None,
        journal: RequestJournal | None = None,
    ) -> None:
        self.ctx = ctx
        self._wipe = wipe
        self.signal = signal
        self.clock = clock
        self.journal = journal

    async def reset(self) -> dict[str, Any]:
        """Deletes everything, re-creates the demo data; clock, faults and caches cleared."""
        started = time.perf_counter()
        async with self.ctx.store.read() as unit:  # their files go with them
            avatars = [u.avatar_key for u in await unit.users.all() if u.avatar_key]
            icons = [a.icon_key for a in await unit.apps.all() if a.icon_key]
        await self._wipe.wipe()
        for key in avatars:
            self.ctx.avatars.delete(key)
        for key in icons:
            self.ctx.avatars.blobs.delete(key)
        if self.clock is not None:  # the seed is written on the system clock
            self.clock.clock.load({})
        if self.journal is not None:
            await self.journal.clear()
        seed = await ensure_demo(self.ctx)
        await self.signal.notify()  # every worker drops caches, rules and clock state
        return {
            "reset": True,
            "apps": len(seed.apps),
            "users": len(seed.users),
            "seconds": round(time.perf_counter() - started, 3),
        }

    async def token(self, body: Any) -> dict[str, Any]:
        """The token endpoint's body for ``{"client_key", "username", "scopes"}``."""
        if not isinstance(body, dict):
            raise ValidationError("the body must be a JSON object")
        client_key, username, scopes = (body.get(k) for k in ("client_key", "username", "scopes"))
        for name, value in (("client_key", client_key), ("username", username)):
            if not isinstance(value, str) or not value:
                raise ValidationError(f"{name!r} must be a non-empty string")
        requested: Sequence[str]
        if isinstance(scopes, str):
            requested = [s.strip() for s in scopes.split(",") if s.strip()]
        elif isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
            requested = scopes
        else:
            raise ValidationError("'scopes' must be a comma list or a JSON list of strings")
        return await issue_for_user(
            self.ctx, client_key=str(client_key), username=str(username), requested=requested
        )
