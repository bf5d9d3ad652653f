"""The four scenarios, their request pools, and a check that each one answers 200 at all."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.seed import CLIENT_KEY, CLIENT_SECRET, REDIRECT_URI, Seeded, mint_codes
from bench.wrk import Load
from tokstack.config import Settings

FIELDS = "open_id,union_id,avatar_url,display_name"
USER_INFO = f"/v2/user/info/?fields={FIELDS}"
TOKEN_PATH = "/v2/oauth/token/"  # noqa: S105 - a path, not a secret
VIDEO_FIELDS = "id,create_time,cover_image_url,share_url,title,duration,like_count"
VIDEO_LIST = f"/v2/video/list/?fields={VIDEO_FIELDS}"
VIDEO_BODY = '{"max_count":20}'


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str


WARM = Scenario("user_info_warm", "user/info, one warm token")
SPREAD = Scenario("user_info_spread", "user/info, all tokens")
REFRESH = Scenario("refresh", "token: refresh_token")
CODE = Scenario("code", "token: authorization_code")
VIDEOS = Scenario("video_list", "video/list, 20 per page")
CEILING = Scenario("ceiling", "ceiling: bare ASGI, fixed JSON")
SCENARIOS = (WARM, SPREAD, REFRESH, CODE, VIDEOS)


def refresh_body(token: str) -> str:
    return urlencode(
        {
            "client_key": CLIENT_KEY,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": token,
        }
    )


def code_body(code: str) -> str:
    return urlencode(
        {
            "client_key": CLIENT_KEY,
            "client_secret": CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        }
    )


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Pools:
    """Per-backend request pools; code pools are minted fresh for every wrk run."""

    directory: Path
    settings: Settings
    seeded: Seeded
    # user_info_spread: these tokens (default: every real one), repeated in turn to
    # ``spread_lines`` lines when given, so that pools of different sets have one size
    spread_tokens: Sequence[str] | None = None
    spread_lines: int | None = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        spread = list(self.spread_tokens or self.seeded.access_tokens)
        if self.spread_lines:
            spread = list(itertools.islice(itertools.cycle(spread), self.spread_lines))
        self.tokens = _write(self.directory / "access.txt", [f"Bearer {t}" for t in spread])
        self.refresh = _write(
            self.directory / "refresh.txt", [refresh_body(t) for t in self.seeded.refresh_tokens]
        )
        self.video_body = _write(self.directory / "video-body.txt", [VIDEO_BODY])
        self._minted = 0

    def load(self, scenario: Scenario, codes: int = 0) -> Load:
        if scenario in (WARM, CEILING):
            return Load("GET", USER_INFO, header=f"Authorization: Bearer {self.seeded.warm_token}")
        if scenario is SPREAD:
            return Load("GET", USER_INFO, mode="random", kind="header", pool=self.tokens)
        if scenario is VIDEOS:
            header = f"Authorization: Bearer {self.seeded.video_token}"
            return Load("POST", VIDEO_LIST, "cycle", "json", self.video_body, header)
        if scenario is REFRESH:
            return Load("POST", TOKEN_PATH, mode="cycle", kind="body", pool=self.refresh)
        minted = asyncio.run(mint_codes(self.settings, self.seeded, codes))
        self._minted += 1
        pool = _write(self.directory / f"codes-{self._minted}.txt", [code_body(c) for c in minted])
        return Load("POST", TOKEN_PATH, mode="once", kind="body", pool=pool)


def check(base: str, pools: Pools) -> bytes:
    """One request of each scenario must succeed; returns a user-info body for the ceiling."""
    seeded = pools.seeded
    code = asyncio.run(mint_codes(pools.settings, seeded, 1))[0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with httpx.Client(base_url=base, timeout=10) as client:
        calls: dict[str, Callable[[], httpx.Response]] = {
            "user_info_warm": lambda: client.get(
                USER_INFO, headers={"Authorization": f"Bearer {seeded.warm_token}"}
            ),
            "user_info_spread": lambda: client.get(
                USER_INFO, headers={"Authorization": f"Bearer {seeded.access_tokens[-1]}"}
            ),
            "refresh": lambda: client.post(
                TOKEN_PATH, content=refresh_body(seeded.refresh_tokens[-1]), headers=form
            ),
            "code": lambda: client.post(TOKEN_PATH, content=code_body(code), headers=form),
            "video_list": lambda: client.post(
                VIDEO_LIST,
                content=VIDEO_BODY,
                headers={
                    "Authorization": f"Bearer {seeded.video_token}",
                    "Content-Type": "application/json",
                },
            ),
        }
        bodies = {}
        for name, call in calls.items():
            response = call()
            if response.status_code != 200:
                raise RuntimeError(
                    f"check {name}: HTTP {response.status_code} {response.text[:300]}"
                )
            bodies[name] = response.content
    if len(httpx.Response(200, content=bodies["video_list"]).json()["data"]["videos"]) != 20:
        raise RuntimeError("check video_list: the page does not hold 20 videos")
    return bodies["user_info_warm"]
