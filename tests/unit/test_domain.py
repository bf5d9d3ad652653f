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
    ],
)
def test_redirect_uri_rules(platform: str, uri: str, ok: bool) -> None:
    assert (redirect_uris.problem(platform, uri) is None) is ok


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
    ],
)
def test_redirect_uri_matching(registered: str, requested: str, ok: bool) -> None:
    assert redirect_uris.matches(registered, requested) is ok
