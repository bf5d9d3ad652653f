"""The Display API's videos: ``/v2/video/list/`` and ``/v2/video/query/`` (scope
``video.list``), and the signed cover URLs they hand out (6 hours, as TikTok's)."""

from __future__ import annotations

from html import escape
from typing import Any, BinaryIO
from urllib.parse import quote

from tokstack.domain import videos as rules
from tokstack.domain.models import AccessContext
from tokstack.domain.videos import Video
from tokstack.errors import InvalidParams, ScopeNotAuthorized
from tokstack.services.access_cache import VersionedCache
from tokstack.services.blobs import BlobStore
from tokstack.services.context import Context
from tokstack.services.signing import UrlSigner

SCOPE = "video.list"
COVER_TTL = 6 * 3600
COVER_STEP = 600
COVER_PREFIX = "/obj/tos-cover-0068/"
MEDIA_PREFIX = "/obj/tos-video-0068/"  # the media, for tokstack's own player pages


class VideoDisplay:
    """Built once per process; renders Video Objects for one app's view of a user."""

    def __init__(
        self, blobs: BlobStore, secret: bytes, public_url: str,
        pages: VersionedCache[tuple[Video, ...]] | None = None,
    ) -> None:  # fmt: skip
        self.blobs = blobs
        # public pages per user, dropped on any change the signal carries (a public video
        # added, removed or made private moves it); None where no signal reaches every node
        self.pages = pages
        self._signer = UrlSigner(secret, "cover-url")
        self._media_signer = UrlSigner(secret, "media-url")
        self._covers: dict[tuple[str, int], str] = {}
        self._rendered: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._pages_rendered: dict[tuple[Any, ...], tuple[object, list[dict[str, Any]]]] = {}
        self.public_url = public_url.rstrip("/")

    def cover_url(self, key: str, now: int) -> str:
        # 6 hours, rounded up to the next 10 minutes: the same URL for 10 minutes, signed once
        expires = -(-(now + COVER_TTL) // COVER_STEP) * COVER_STEP
        cached = self._covers.get((key, expires))
        if cached is not None:
            return cached
        signature = quote(self._signer.signature(key, expires), safe="")
        url = f"{self.public_url}{COVER_PREFIX}{key}?x-expires={expires}&x-signature={signature}"
        if len(self._covers) > 100_000:
            self._covers.clear()
        self._covers[(key, expires)] = url
        return url

    def media_url(self, key: str, now: int) -> str:
        expires = now + COVER_TTL
        signature = quote(self._media_signer.signature(key, expires), safe="")
        return f"{self.public_url}{MEDIA_PREFIX}{key}?x-expires={expires}&x-signature={signature}"

    def open_media(self, key: str, expires: str, signature: str, now: int) -> BinaryIO | None:
        """The media file for a signed, unexpired URL, open to stream; None otherwise."""
        if self._media_signer.valid(key, expires, signature, now) is None:
            return None
        return self.blobs.open_read(key)

    def read_cover(self, key: str, expires: str, signature: str, now: int) -> bytes | None:
        """The cover's JPEG for a signed, unexpired URL; None otherwise."""
        if self._signer.valid(key, expires, signature, now) is None:
            return None
        return self.blobs.get(key)

    def render(
        self, video: Video, username: str, client_key: str, fields: tuple[str, ...], now: int
    ) -> dict[str, Any]:
        # the same video, fields and cover URL render alike: a page of 20 is rendered once
        # per 10 minutes (the cover URL's step), not on every request
        key = (video, username, client_key, fields, -(-(now + COVER_TTL) // COVER_STEP))
        found = self._rendered.get(key)
        if found is None:
            found = self._render(video, username, client_key, fields, now)
            if len(self._rendered) > 20_000:
                self._rendered.clear()
            self._rendered[key] = found
        return found

    def render_page(
        self, loaded: object, videos: list[Video], username: str, client_key: str,
        fields: tuple[str, ...], now: int, page_key: str,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """``render`` for a whole page: one lookup, kept while ``loaded`` (the page cache's
        entry the videos came from) is the same object, so a changed page renders anew."""
        key = (page_key, username, client_key, fields, -(-(now + COVER_TTL) // COVER_STEP))
        kept = self._pages_rendered.get(key)
        if kept is not None and kept[0] is loaded:
            return kept[1]
        rendered = [self.render(v, username, client_key, fields, now) for v in videos]
        if loaded is None:  # no page cache: nothing tells when the page changes
            return rendered
        if len(self._pages_rendered) > 5_000:
            self._pages_rendered.clear()
        self._pages_rendered[key] = (loaded, rendered)
        return rendered

    def _render(
        self, video: Video, username: str, client_key: str, fields: tuple[str, ...], now: int
    ) -> dict[str, Any]:
        page = f"{self.public_url}/@{username}/video/{video.id}"
        values: dict[str, Any] = {
            "id": video.id,
            "create_time": video.create_time,
            "cover_image_url": self.cover_url(video.cover_key, now) if video.cover_key else "",
            "share_url": f"{page}?utm_campaign=tt4d_open_api&utm_source={client_key}",
            "video_description": video.description,
            "duration": video.duration,
            "height": video.height,
            "width": video.width,
            "title": video.title,
            "embed_html": (
                f'<blockquote class="tiktok-embed" cite="{escape(page)}"'
                f' data-video-id="{video.id}" style="max-width: 605px;min-width: 325px;">'
                f"<section></section></blockquote>"
                f'<script async src="{self.public_url}/embed.js"></script>'
            ),
            "embed_link": f"{self.public_url}/player/v1/{video.id}",
            "like_count": video.like_count,
            "comment_count": video.comment_count,
            "share_count": video.share_count,
            "view_count": video.view_count,
            "is_aigc": video.is_aigc,
        }
        return {field: values[field] for field in fields}


def _checked(access: AccessContext, raw_fields: str | None) -> tuple[str, ...]:
    if SCOPE not in access.token.scopes:
        raise ScopeNotAuthorized(detail="token lacks video.list")
    if raw_fields is None or not raw_fields.strip():
        raise InvalidParams("The fields parameter is required.", detail="missing fields")
    return rules.parse_fields(raw_fields)


def _body(parse: Any, body: Any) -> Any:
    try:
        return parse(body)
    except rules.BodyError as exc:
        raise InvalidParams(str(exc), detail=str(exc)) from None


async def listing(
    ctx: Context, display: VideoDisplay, access: AccessContext, fields: str | None,
    body: Any,
) -> dict[str, Any]:  # fmt: skip
    """A page of the user's public videos, newest first, created before ``cursor`` (ms)."""
    wanted = _checked(access, fields)
    cursor, count = _body(rules.list_request, body)
    before = None if cursor is None else -(-cursor // 1000)  # created before it, in seconds

    async def load() -> tuple[Video, ...]:
        async with ctx.store.read() as unit:
            return tuple(await unit.videos.page(access.user.id, before, count + 1))

    key = f"{access.user.id}:{before}:{count}"
    found = await display.pages.get_or_load(key, load) if display.pages else await load()
    assert found is not None
    client_key = access.client_key
    page, more = list(found[:count]), len(found) > count
    if more and page[-1].create_time == found[count].create_time:
        # a cursor is a time: the next page starts below it, so a second split across the
        # two pages ends this one early (TikTok documents short pages with has_more)
        whole = [v for v in page if v.create_time != page[-1].create_time]
        page = whole or page
    now = ctx.clock.now()
    next_cursor = page[-1].create_time * 1000 if page else (cursor or now * 1000)
    username = access.user.username
    return {
        "videos": display.render_page(
            found if display.pages else None, page, username, client_key, wanted, now, key
        ),
        "cursor": next_cursor,
        "has_more": more,
    }


async def query(
    ctx: Context, display: VideoDisplay, access: AccessContext, fields: str | None,
    body: Any,
) -> dict[str, Any]:  # fmt: skip
    """The user's own public videos among ``filters.video_ids``; other ids are left out."""
    wanted = _checked(access, fields)
    ids = _body(rules.query_request, body)
    async with ctx.store.read() as unit:
        found = [v for v in await unit.videos.of_user(access.user.id, ids) if v.public]
    client_key = access.client_key
    now = ctx.clock.now()
    return {
        "videos": [display.render(v, access.user.username, client_key, wanted, now) for v in found]
    }
