"""Every page audited with axe-core in Chromium (no serious or critical violation), and at
375 px wide nothing runs past the right edge."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import REDIRECT, Live, _need
from tokstack.services import accounts
from tokstack.services.context import Context

AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (375, 1280)

# Elements past the right edge that are not inside a scrolling (or clipping) container.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && !clipped(el)) {
      out.push(el.tagName + (el.id ? '#' + el.id : '') + ' right=' + Math.round(r.right));
    }
  }
  if (document.documentElement.scrollWidth > width + 1) out.push('page scrolls sideways');
  return out;
}"""


def audit(page: Any, label: str) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    problems = [
        f"{label}: {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if page.viewport_size["width"] <= 375:
        problems += [f"{label} at 375 px: {item}" for item in page.evaluate(OVERFLOW_JS)]
    return problems


def mini_app(ctx: Context) -> Any:
    return accounts.create_app(
        ctx,
        developer_id=1,
        name="Drama Mini",
        platform="mini",
        scope_list=["user.info.basic", "user.info.open_id"],
    )


def authorize_url(live: Live, **extra: str) -> str:
    query = {
        "client_key": live.client_key,
        "response_type": "code",
        "scope": "user.info.basic,user.info.profile",
        "redirect_uri": REDIRECT,
        "state": "a11y",
        **extra,
    }
    return f"{live.url}/v2/auth/authorize/?{urlencode(query)}"


def visit_every_page(live: Live, page: Any, check: Callable[[str], None]) -> None:
    """Walks the site as a person would, auditing each page on the way."""
    base = live.url
    mini = live.call(mini_app)
    page.goto(base + "/")
    check("home")
    page.goto(base + "/@alice")
    check("profile")
    page.goto(base + "/@nobody")
    check("profile not found")
    page.goto(authorize_url(live, client_key="awnope"))
    check("authorize error")
    page.goto(authorize_url(live))
    check("login")
    page.fill("#username", "alice")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    check("login after a wrong password")
    page.fill("#password", "alice-password")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/v2/auth/consent/.*"))
    check("consent")
    page.goto(f"{base}/minis/demo/?client_key={mini.app.client_key}")
    check("minis demo")
    page.goto(base + "/account/login")
    check("account login")
    page.fill("#username", "alice")
    page.fill("#password", "alice-password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/account/")
    check("account")
    page.goto(base + "/portal/signup")
    check("portal signup")
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    page.fill("#password", "ada-password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/portal/")
    check("portal home")
    page.goto(base + "/portal/apps/new")
    check("portal new app")
    page.fill("#name", "Accessible App")
    page.fill("#redirect_uris", "https://a11y.example/cb/")
    page.click("main form:not(.inline) button[type=submit]")
    key = page.text_content("#client-key")
    check("portal app created")
    page.goto(f"{base}/portal/apps/{key}")
    check("portal app")
    page.goto(base + "/portal/login")
    check("portal login")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_and_fits(browser: Any, live: Live, width: int) -> None:
    _need(AXE.exists(), f"axe-core not installed at {AXE} (npm install --prefix tests/browser/axe)")
    # bypass_csp: the pages forbid inline scripts, and axe is injected as one
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []
    visit_every_page(live, page, lambda label: problems.extend(audit(page, label)))
    context.close()
    assert problems == []


def test_focus_goes_to_the_password_after_a_wrong_one(browser: Any, live: Live) -> None:
    page = browser.new_page()
    page.goto(authorize_url(live))
    page.fill("#username", "alice")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error")
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.input_value("#username") == "alice"


@pytest.mark.parametrize("width", WIDTHS)
def test_emulator_login_offers_demo_users_and_passes_axe(
    browser: Any, live_emulator: Live, width: int
) -> None:
    _need(AXE.exists(), f"axe-core not installed at {AXE} (npm install --prefix tests/browser/axe)")
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(authorize_url(live_emulator))
    page.wait_for_selector("h1")
    problems = audit(page, "login, emulator mode")
    assert problems == [], "\n".join(problems)
    # one click as a demo user: no password, straight on to consent
    page.get_by_role("button", name="Alice Example (@alice)").click()
    page.wait_for_url(re.compile(r"/v2/auth/consent/"))
    assert page.get_by_role("heading", level=1).count() == 1
    context.close()
