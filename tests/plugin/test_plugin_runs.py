"""The plugin as an integrator meets it: pytest runs of their own test files (pytester, in
a subprocess, with tokstack installed and nothing else configured)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

ISOLATION = """
import time

from tokstack.testing.handle import ControlError


def test_one_leaves_a_mess(tokstack):
    app = tokstack.app(name="Mess")
    tokstack.user("zed")
    tokstack.token(app, "zed", ["user.info.basic"])
    tokstack.faults.add(endpoint="user.info", error="internal_error")
    tokstack.clock.advance(10 * 86400)
    assert tokstack.requests() == [] and tokstack.faults.list()


def test_two_finds_none_of_it(tokstack):
    try:
        tokstack.token(tokstack.app(name="Mess"), "zed", ["user.info.basic"])
    except ControlError as refused:
        assert refused.status == 404
    else:
        raise AssertionError("zed survived the reset")
    assert tokstack.faults.list() == []
    assert abs(tokstack.clock.now - time.time()) < 60
    assert all(r["endpoint"] != "user.info" for r in tokstack.requests())


def test_the_ini_seed_is_there_after_every_reset(tokstack):
    tokstack.token(tokstack.app(), "seeded", ["user.info.basic"])
"""


def test_each_test_starts_from_the_seed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", seed="users:\n  - username: seeded\n    display_name: Seeded\n")
    pytester.makeini("[pytest]\ntokstack_seed = seed.yaml\n")
    pytester.makepyfile(test_isolation=ISOLATION)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=3)


def test_async_tests_use_the_fixture_and_the_async_client(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_async="""
async def test_user_info(tokstack):
    app = tokstack.app()
    user = tokstack.user("dana", "Dana", bio="async")
    tokens = tokstack.token(app, user, "user.info.basic,user.info.profile")
    async with tokstack.async_client(app) as client:
        found = await client.user_info(
            tokens.access_token, fields=["display_name", "bio_description"]
        )
    assert (found.display_name, found.bio_description) == ("Dana", "async")
    assert tokens.open_id == user.open_id(app)
"""
    )
    pytester.runpytest_subprocess("-q").assert_outcomes(passed=1)


def test_one_server_per_xdist_worker(pytester: pytest.Pytester) -> None:
    folder = pytester.mkdir("seen")
    pytester.makepyfile(
        test_workers=f"""
import os, pathlib, pytest

@pytest.mark.parametrize("n", range(6))
def test_note_the_server(tokstack, n):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    pathlib.Path({str(folder)!r}, f"{{worker}}-{{n}}").write_text(tokstack.url)
    tokstack.user("same_name_everywhere")
"""
    )
    pytester.runpytest_subprocess("-q", "-n", "2").assert_outcomes(passed=6)
    urls_by_worker: dict[str, set[str]] = {}
    for note in folder.iterdir():
        urls_by_worker.setdefault(note.name.split("-")[0], set()).add(note.read_text())
    assert len(urls_by_worker) == 2
    assert all(len(urls) == 1 for urls in urls_by_worker.values())
    first, second = urls_by_worker.values()
    assert first != second


def test_costs_nothing_when_unused_and_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
import sys

def test_plain(tmp_path_factory):
    heavy = ("tokstack.testing.", "tokstack.client", "tokstack.web")
    loaded = [m for m in sys.modules if m.startswith(heavy)]
    assert loaded == ["tokstack.testing.plugin"]
    assert not any(p.name.startswith("tokstack") for p in tmp_path_factory.getbasetemp().iterdir())
""",
        test_uses="""
def test_uses(tokstack):
    pass
""",
    )
    pytester.runpytest_subprocess("-q", "test_plain.py").assert_outcomes(passed=1)
    off = pytester.runpytest_subprocess("-q", "-p", "no:tokstack", "test_uses.py")
    off.assert_outcomes(errors=1)
    off.stdout.fnmatch_lines(["*fixture 'tokstack' not found*"])
