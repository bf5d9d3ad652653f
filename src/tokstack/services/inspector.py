"""Emulator mode's inspector page: the world at a glance, and the few changes made from it.

It reads through the same services as the control API (faults, clock, journal, webhooks)
and shows no secret: grants list their tokens as counts and expiry, never the strings (only
digests are stored), and the journal is already redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokstack.domain import faults as fault_rules
from tokstack.errors import ValidationError
from tokstack.services.context import Context
from tokstack.services.emulated_time import ClockControl
from tokstack.services.emulator_webhooks import EmulatorWebhooks
from tokstack.services.faults import Faults
from tokstack.services.journal import RequestJournal
from tokstack.storage.ports import WorldView

SHOWN = 200  # rows per table: a page, not an export (the control API has them all)
INTEGERS = ("status", "retry_after", "latency_ms", "times")


@dataclass(frozen=True)
class JournalFilter:
    client_key: str | None = None
    endpoint: str | None = None
    status: int | None = None


class Inspector:
    def __init__(
        self,
        ctx: Context,
        view: WorldView,
        faults: Faults,
        clock: ClockControl | None,
        journal: RequestJournal | None,
        webhooks: EmulatorWebhooks,
    ) -> None:
        self.ctx = ctx
        self.view = view
        self.faults = faults
        self.clock = clock
        self.journal = journal
        self.webhooks = webhooks

    async def snapshot(self, journal_filter: JournalFilter) -> dict[str, Any]:
        async with self.ctx.store.read() as unit:
            users = await unit.users.all()
            apps = await unit.apps.all()
        if self.clock is not None:
            await self.clock.refresh()
        requests = []
        if self.journal is not None:
            requests = await self.journal.query(
                client_key=journal_filter.client_key,
                endpoint=journal_filter.endpoint,
                status=journal_filter.status,
                limit=SHOWN,
            )
        return {
            "users": users[:SHOWN],
            "apps": apps[:SHOWN],
            "grants": await self.view.grants(self.ctx.clock.now(), SHOWN),
            "faults": await self.faults.listing(),
            "clock": self.clock.show() if self.clock is not None else None,
            "requests": requests,
            "webhooks": (await self.webhooks.listing(SHOWN)),
            "endpoints": fault_rules.ENDPOINTS,
            "errors": sorted({e for codes in fault_rules.ERRORS.values() for e in codes}),
            "now": self.ctx.clock.now(),
        }

    async def add_fault(self, form: dict[str, str]) -> dict[str, Any]:
        """A rule from the page's form: its text fields typed as the JSON API wants them."""
        rule: dict[str, Any] = {}
        for name in ("endpoint", "client_key", "open_id", "grant_type", "error", "message"):
            if form.get(name, "").strip():
                rule[name] = form[name].strip()
        for name in INTEGERS:
            value = form.get(name, "").strip()
            if value:
                if not (value.isascii() and value.isdigit() and len(value) <= 9):
                    raise ValidationError(f"{name.replace('_', ' ')} must be a whole number")
                rule[name] = int(value)
        if form.get("drop"):
            rule["drop"] = True
        return await self.faults.add(rule)

    async def advance(self, seconds: str) -> dict[str, Any]:
        if self.clock is None:
            raise ValidationError("this server's clock is not emulated")
        text = seconds.strip()
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 11):
            raise ValidationError("seconds must be a whole number (negative to go back)")
        return await self.clock.change({"advance": int(text)})
