"""Two independent browsers: a consent form copied from one into the other (where another
user is logged in) is refused, and no code reaches the app."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live
from tests.browser.test_consent_in_chromium import authorize_url, log_in
from tokstack.services import accounts
from tokstack.services.context import Context


def bob(ctx: Context) -> Any:
    return accounts.create_user(ctx, username="bob", display_name="Bob", password="bob-password")


def test_a_consent_form_replayed_in_another_browser_is_refused(browser: Any, live: Live) -> None:
    live.call(bob)
    attacker = browser.new_context()
    victim = browser.new_context()
    try:
        first = attacker.new_page()
        first.goto(authorize_url(live, "attacker-state"))
        log_in(first, live)  # alice, up to her consent page
        stolen = {
            name: first.locator(f"input[name={name}]").input_value() for name in ("i", "csrf")
        }
        second = victim.new_page()
        second.goto(authorize_url(live, "victim-state"))
        second.get_by_label("Username").fill("bob")
        second.get_by_label("Password").fill("bob-password")
        second.get_by_role("button", name="Log in").click()
        second.wait_for_url("**/v2/auth/consent/**")
        # the victim's browser posts the attacker's consent form (as a forged page would)
        answer = second.request.post(
            f"{live.url}/v2/auth/consent/",
            form={**stolen, "action": "allow", "scope": "user.info.basic"},
            max_redirects=0,
        )
        assert answer.status == 403
        assert "code=" not in answer.headers.get("location", "")
        # in the browser that loaded it, the same form still works
        own = first.request.post(
            f"{live.url}/v2/auth/consent/",
            form={**stolen, "action": "allow", "scope": "user.info.basic"},
            max_redirects=0,
        )
        assert own.status == 302 and "code=" in own.headers["location"]
    finally:
        attacker.close()
        victim.close()
