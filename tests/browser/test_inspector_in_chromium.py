"""The emulator's inspector page in Chromium: axe-core finds no serious or critical
violation at 375 and 1280 px, nothing runs past the edge, and its forms work."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import Live, _need
from tests.browser.test_accessibility import AXE, WIDTHS, audit

KEY = "awdemowebapp0001"


def populate(live: Live) -> None:
    """A world with something in every table: a grant, requests, a fault, a webhook event."""
    base = live.url
    seed = {
        "apps": [
            {
                "developer": "Demo Developer",
                "name": "Hooked",
                "platform": "web",
                "client_key": "awhookedapp00001",
                "redirect_uris": ["https://h.test/cb"],
                "webhook_url": "http://127.0.0.1:9/hook",
            }
        ],
        "grants": [{"app": "awhookedapp00001", "user": "bob", "scopes": ["user.info.basic"]}],
    }
    assert httpx.post(f"{base}/_tokstack/seed", json=seed, timeout=10).status_code == 201
    httpx.post(
        f"{base}/_tokstack/webhooks/trigger",
        timeout=10,
        json={"client_key": "awhookedapp00001", "username": "bob", "reason": 1},
    )
    issued = httpx.post(
        f"{base}/_tokstack/tokens",
        timeout=10,
        json={"client_key": KEY, "username": "alice", "scopes": "user.info.basic"},
    )
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    httpx.get(f"{base}/v2/user/info/?fields=open_id,display_name", headers=bearer, timeout=10)
    httpx.post(f"{base}/_tokstack/faults", timeout=10,
               json={"endpoint": "user.info", "error": "rate_limit_exceeded", "retry_after": 3,
                     "probability": 0.25, "seed": 7})  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
def test_the_inspector_passes_axe_and_its_forms_work(
    browser: Any, live_emulator: Live, width: int
) -> None:
    _need(AXE.exists(), f"axe-core not installed at {AXE} (npm install --prefix tests/browser/axe)")
    populate(live_emulator)
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_emulator.url}/_tokstack/")
    page.wait_for_selector("h1")
    problems = audit(page, "inspector")
    live_emulator.shot(page, f"inspector-{width}")
    for section in ("users", "apps", "grants", "journal", "faults", "webhooks"):
        assert page.locator(f"section:has(#{section}) tbody tr").count() >= 1, section
    # add a fault from the page: the next client-credentials request is refused
    page.select_option("#f-endpoint", "token")
    page.select_option("#f-error", "invalid_client")
    page.fill("#f-times", "1")
    page.get_by_role("button", name="Add the fault").click()
    page.wait_for_selector("text=The fault rule was added.")
    assert page.locator("section:has(#faults) tbody tr").count() == 2
    answer = httpx.post(f"{live_emulator.url}/v2/oauth/token/", timeout=10, data={
        "client_key": KEY, "client_secret": "demoSecretWebApp0000000000000001",
        "grant_type": "client_credentials"})  # fmt: skip
    assert answer.status_code == 401
    # move the clock from the page
    page.fill("#seconds", "86400")
    page.get_by_role("button", name="Advance").click()
    page.wait_for_selector("text=The clock was moved.")
    assert httpx.get(f"{live_emulator.url}/_tokstack/clock", timeout=10).json()["offset"] >= 86400
    # filter the journal to the refused token request
    page.select_option("#j-endpoint", "token")
    page.fill("#j-status", "401")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**endpoint=token**")
    rows = page.locator("section:has(#journal) tbody tr")
    assert rows.count() == 1 and "POST /v2/oauth/token/" in rows.inner_text()
    problems += audit(page, "inspector, after the forms")
    page.get_by_role("button", name="Clear every fault").click()
    page.wait_for_selector("text=Every fault rule was removed.")
    context.close()
    assert problems == [], "\n".join(problems)
