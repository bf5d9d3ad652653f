from __future__ import annotations

import pytest

from tokstack.domain import redirect_uris, scopes


def test_scope_lists_fold_blanks_and_duplicates() -> None:
    assert scopes.parse("user.info.basic, user.info.profile,,user.info.basic") == (
        "user.info.basic",
        "user.info.profile",
    )
    assert scopes.parse(None) == () and scopes.parse("") == ()
    assert scopes.canonical(["user.info.stats", "user.info.basic"]) == (
        "user.info.basic",
        "user.info.stats",
    )
    assert scopes.unknown(["user.info.basic", "nope"]) == ["nope"]


@pytest.mark.parametrize(
    ("platform", "uri", "ok"),
    [
        ("web", "https://app.example/callback/", True),
        ("web", "http://app.example/callback/", False),
        ("web", "https://app.example/cb?x=1", False),
        ("web", "https://app.example/cb#frag", False),
        ("web", "https:///nohost", False),
        ("web", "https://app.example/" + "a" * 500, False),
        ("desktop", "http://127.0.0.1:8080/callback/", True),
        ("desktop", "http://localhost:*/callback/", True),
        ("desktop", "https://127.0.0.1:443/cb", True),
        ("desktop", "http://127.0.0.1/callback/", False),
        ("desktop", "http://example.com:8080/cb", False),
        ("ios", "https://app.example/ios", True),
        ("ios", "myapp://callback", False),
        ("android", "https://app.example/android", True),
        ("android", "myapp://callback", False),
        # * only as the port of a desktop loopback URI
        ("web", "https://host.example:*/cb/", False),
        ("web", "https://*.example/cb/", False),
        ("ios", "https://app.example:*/ios", False),
        ("android", "https://app.example:*/a", False),
        ("desktop", "http://*:8080/callback/", False),
        ("desktop", "http://127.0.0.1:*/cb/*", False),
        ("desktop", "http://127.0.0.1:*:*/cb/", False),
        ("desktop", "http://127.0.0.1:8*/cb/", False),
        ("desktop", "http://127.0.0.1/*", False),
        ("mini", "https://mini.example:*/cb", False),
        # plain-http loopback: only in emulator mode, only for web apps
        ("web", "http://localhost:3000/auth/callback", False),
        ("web", "http://127.0.0.1:8080/cb", False),
        ("web", "http://[::1]:8080/cb", False),
        # URLs urlsplit cannot parse are refused, not an exception
        ("web", "https://[::1/cb", False),
        ("web", "https://[zz]/cb", False),
        ("desktop", "http://[::1:*/cb", False),
        ("desktop", "https://[::1/cb", False),
    ],
)
def test_redirect_uri_rules(platform: str, uri: str, ok: bool) -> None:
    assert (redirect_uris.problem(platform, uri) is None) is ok


@pytest.mark.parametrize(
    ("platform", "uri", "ok"),
    [
        ("web", "http://localhost:3000/auth/callback", True),
        ("web", "http://localhost/cb", True),
        ("web", "http://127.0.0.1:8080/cb", True),
        ("web", "http://[::1]:8080/cb", True),
        ("web", "http://[::1]/cb", True),
        ("web", "http://127.0.0.1:99999/cb", False),
        ("web", "http://localhost:*/cb", False),
        ("web", "http://app.example/cb", False),
        ("web", "http://127.0.0.2/cb", False),
        ("ios", "http://localhost:3000/cb", False),
        ("web", "https://app.example/cb", True),
    ],
)
def test_emulator_mode_lets_web_apps_use_http_loopback(platform: str, uri: str, ok: bool) -> None:
    assert (redirect_uris.problem(platform, uri, emulator=True) is None) is ok


def test_loopback_refusal_says_how_to_get_emulator_mode() -> None:
    reason = redirect_uris.problem("web", "http://localhost:3000/cb")
    assert reason is not None and "tokstack serve --demo" in reason and "TOKSTACK_DEMO=1" in reason


def test_apps_other_than_minis_need_a_redirect_uri() -> None:
    for platform in ("web", "desktop", "ios", "android"):
        assert "redirect_uri" in redirect_uris.problems(platform, [])
    assert redirect_uris.problems("mini", []) == {}


def test_at_most_ten_redirect_uris() -> None:
    many = [f"https://app.example/{i}" for i in range(11)]
    assert "redirect_uri" in redirect_uris.problems("web", many)
    assert redirect_uris.problems("web", many[:10]) == {}
    assert "platform" in redirect_uris.problems("tv", [])


@pytest.mark.parametrize(
    ("registered", "requested", "ok"),
    [
        ("https://a.example/cb/", "https://a.example/cb/", True),
        ("https://a.example/cb/", "https://a.example/cb", False),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.1:51234/callback/", True),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.1/callback/", False),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.1:5x/callback/", False),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.1:80/callback/evil", False),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.10:80/callback/", False),
        ("http://127.0.0.1:*/callback/", "http://127.0.0.1:99999/callback/", False),
    ],
)
def test_redirect_uri_matching(registered: str, requested: str, ok: bool) -> None:
    assert redirect_uris.matches("desktop", registered, requested) is ok


@pytest.mark.parametrize("platform", ["web", "ios", "android", "mini"])
def test_a_stored_wildcard_matches_only_itself_outside_desktop(platform: str) -> None:
    """Rows registered before the rule: ``*`` is literal, never a wildcard."""
    registered = "https://host.example:*/cb/"
    assert redirect_uris.matches(platform, registered, registered)
    assert not redirect_uris.matches(platform, registered, "https://host.example:444/cb/")
    assert not redirect_uris.matches(platform, "http://127.0.0.1:*/cb/", "http://127.0.0.1:80/cb/")


def test_loopback_is_matched_exactly_port_included() -> None:
    registered = "http://localhost:3000/cb"
    assert redirect_uris.matches("web", registered, registered)
    assert not redirect_uris.matches("web", registered, "http://localhost:3001/cb")
    assert not redirect_uris.matches("web", registered, "http://localhost/cb")
