"""Emulator mode's world: back to the seed in one call, and tokens on request."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tokstack.domain.posting import chunk_key
from tokstack.errors import ValidationError
from tokstack.services.access_cache import ChangeSignal
from tokstack.services.context import Context
from tokstack.services.demo import DEMO_USERS
from tokstack.services.emulated_time import ClockControl
from tokstack.services.emulator_consent import consent, scope_list
from tokstack.services.journal import RequestJournal
from tokstack.services.seed_sources import SeedSource
from tokstack.services.seeding import apply, populate
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
        seed: SeedSource | None = None,
    ) -> None:
        self.ctx = ctx
        self._wipe = wipe
        self.signal = signal
        self.clock = clock
        self.journal = journal
        self.seed = seed
        demo = DEMO_USERS if seed is None or seed.seed.demo else ()
        seeded = seed.seed.users if seed is not None else ()
        # the login page's one-click choices: the users the demo and the seed file declare
        self.quick_users: tuple[dict[str, str], ...] = tuple(
            {"username": str(u["username"]), "display_name": str(u["display_name"])} for u in demo
        ) + tuple({"username": u.username, "display_name": u.display_name} for u in seeded)
        self.quick_names = frozenset(u["username"] for u in self.quick_users)

    async def populate(self) -> dict[str, Any]:
        return await populate(self.ctx, self.seed)

    async def add_seed(self, source: SeedSource) -> dict[str, Any]:
        """``POST /_tokstack/seed``: a document added to the running world."""
        done = await apply(self.ctx, source)
        await self.signal.notify()
        return done

    async def reset(self) -> dict[str, Any]:
        """Deletes everything, re-creates the demo and seed data; clock, faults, journal and
        caches cleared."""
        started = time.perf_counter()
        async with self.ctx.store.read() as unit:  # their files go with them
            avatars = [u.avatar_key for u in await unit.users.all() if u.avatar_key]
            icons = [a.icon_key for a in await unit.apps.all() if a.icon_key]
            icons += await unit.videos.blob_keys()  # covers and media: plain blobs too
            for prefix, chunks in await unit.publishes.upload_keys():  # unfinished uploads
                icons += [chunk_key(prefix, index) for index in range(chunks)]
        await self._wipe.wipe()

        def delete_files() -> None:
            for key in avatars:
                self.ctx.avatars.delete(key)
            for key in icons:
                self.ctx.avatars.blobs.delete(key)

        await asyncio.to_thread(delete_files)
        if self.clock is not None:  # the seed is written on the system clock
            self.clock.clock.load({})
        if self.journal is not None:
            await self.journal.clear()
        await self.populate()
        await self.signal.notify()  # every worker drops caches, rules and clock state
        async with self.ctx.store.read() as unit:
            apps, users = len(await unit.apps.all()), len(await unit.users.all())
        return {
            "reset": True,
            "apps": apps,
            "users": users,
            "seconds": round(time.perf_counter() - started, 3),
        }

    async def authorize(self, body: Any) -> dict[str, Any]:
        """A user's consent without a browser: the redirect the app would receive."""
        return await consent(self.ctx, body)

    async def token(self, body: Any) -> dict[str, Any]:
        """The token endpoint's body for ``{"client_key", "username", "scopes"}``."""
        if not isinstance(body, dict):
            raise ValidationError("the body must be a JSON object")
        client_key, username, scopes = (body.get(k) for k in ("client_key", "username", "scopes"))
        for name, value in (("client_key", client_key), ("username", username)):
            if not isinstance(value, str) or not value:
                raise ValidationError(f"{name!r} must be a non-empty string")
        requested = scope_list(scopes)
        return await issue_for_user(
            self.ctx, client_key=str(client_key), username=str(username), requested=requested
        )
