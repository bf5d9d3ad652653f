"""``TikTok``: the blocking client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from tokstack.client import _posting as posting
from tokstack.client import _protocol as protocol
from tokstack.client.errors import TikTokClientError
from tokstack.client.models import (
    DEFAULT_USER_FIELDS,
    DEFAULT_VIDEO_FIELDS,
    AuthorizeURL,
    ClientToken,
    CreatorInfo,
    PublishStatus,
    TokenSet,
    User,
    Video,
    VideoPage,
)

DEFAULT_TIMEOUT = httpx.Timeout(10.0)


class TikTok:
    """A client of TikTok's Open API v2 (Login Kit and the User Data API).

    ``base_url`` points both the authorize page and the API at one server (tokstack);
    without it they are TikTok's. Error answers raise ``tokstack.client.errors``; a failed
    connection raises httpx's own exception. Only idempotent calls (``user_info``) are
    retried, ``retries`` times, on 429, 5xx and failed connections; a ``Retry-After`` over
    ``max_retry_wait`` seconds is raised at once instead of waited for.
    """

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        *,
        base_url: str | None = None,
        retries: int = 2,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        max_retry_wait: float = protocol.MAX_RETRY_AFTER,
    ) -> None:
        self.client_key, self._secret = client_key, client_secret
        self.endpoints = protocol.Endpoints.of(base_url)
        self.retries, self.max_retry_wait = retries, max_retry_wait
        self._owned = http_client is None
        self._http = http_client or httpx.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": protocol.USER_AGENT}
        )
        self._sleep: Callable[[float], None] = time.sleep  # tests replace it

    def __repr__(self) -> str:  # never the secret
        return f"TikTok(client_key={self.client_key!r}, api={self.endpoints.api!r})"

    def __enter__(self) -> TikTok:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the HTTP client this object made (one passed in is the caller's)."""
        if self._owned:
            self._http.close()

    def _send(self, request: protocol.Request) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                answer = self._http.request(
                    request.method, request.url, headers=request.headers,
                    params=request.params, content=request.body,
                )  # fmt: skip
                return protocol.read(answer.status_code, answer.headers, answer.content)
            except (TikTokClientError, httpx.TransportError) as failure:
                wait = None
                if request.idempotent:
                    wait = protocol.retry_delay(attempt, self.retries, failure, self.max_retry_wait)
                if wait is None:
                    raise
                self._sleep(wait)
                attempt += 1

    def authorize_url(
        self,
        redirect_uri: str,
        scopes: str | Sequence[str],
        state: str | None = None,
        pkce: bool = True,
    ) -> AuthorizeURL:
        """The URL of TikTok's authorize page (PKCE S256 unless ``pkce=False``; a random
        ``state`` when none is given)."""
        return protocol.authorize_url(
            self.endpoints, self.client_key, redirect_uri, scopes, state, pkce
        )

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        request = protocol.token_request(self.endpoints, self.client_key, self._secret, form)
        return self._send(request)

    def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenSet:
        """The tokens for the code of the redirect (never retried: a code is good once)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return TokenSet.from_body(self._token(form))

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token (never retried silently)."""
        return TokenSet.from_body(
            self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        )

    def client_token(self) -> ClientToken:
        """The app's own ``clt.`` token (``client_credentials``)."""
        return ClientToken.from_body(self._token({"grant_type": "client_credentials"}))

    def revoke(self, access_token: str) -> None:
        """Ends the user's authorization of the app (every token of it)."""
        self._send(
            protocol.revoke_request(self.endpoints, self.client_key, self._secret, access_token)
        )

    def user_info(
        self, access_token: str, fields: str | Sequence[str] = DEFAULT_USER_FIELDS
    ) -> User:
        """``/v2/user/info/``: the user, with the fields asked for (the others ``None``)."""
        request = protocol.user_info_request(
            self.endpoints, access_token, protocol.comma_list(fields)
        )
        return User.from_data(self._send(request).get("data", {}).get("user", {}))

    def videos(
        self,
        access_token: str,
        fields: str | Sequence[str] = DEFAULT_VIDEO_FIELDS,
        cursor: int | None = None,
        max_count: int | None = None,
    ) -> VideoPage:
        """``/v2/video/list/``: one page of the user's public videos, newest first."""
        request = protocol.video_list_request(
            self.endpoints, access_token, protocol.comma_list(fields), cursor, max_count
        )
        return protocol.video_page(self._send(request))

    def iter_videos(
        self,
        access_token: str,
        fields: str | Sequence[str] = DEFAULT_VIDEO_FIELDS,
        max_count: int = 20,
    ) -> Iterator[Video]:
        """Every public video of the user, page after page."""
        cursor = None
        while True:
            page = self.videos(access_token, fields, cursor, max_count)
            yield from page.videos
            if not page.has_more:
                return
            cursor = page.cursor

    def query_videos(
        self,
        access_token: str,
        video_ids: Sequence[str],
        fields: str | Sequence[str] = DEFAULT_VIDEO_FIELDS,
    ) -> tuple[Video, ...]:
        """``/v2/video/query/``: the user's own videos among ``video_ids`` (at most 20)."""
        request = protocol.video_query_request(
            self.endpoints, access_token, protocol.comma_list(fields), video_ids
        )
        return protocol.video_list(self._send(request))

    # --- the Content Posting API --------------------------------------------------------

    def creator_info(self, access_token: str) -> CreatorInfo:
        """Who would post, and the privacy levels they may choose (scope video.publish)."""
        return posting.creator_info(
            self._send(posting.creator_info_request(self.endpoints, access_token))
        )

    def publish_status(self, access_token: str, publish_id: str) -> PublishStatus:
        request = posting.status_request(self.endpoints, access_token, publish_id)
        return posting.publish_status(publish_id, self._send(request))

    def post_video(
        self, access_token: str, video: posting.Video, post_info: Mapping[str, Any], *,
        chunk_size: int | None = None, wait: bool = True, poll_interval: float = 1.0,
        max_wait: float = 600.0,
    ) -> PublishStatus:  # fmt: skip
        """A direct post (scope video.publish) of a file, its bytes, or a URL (PULL_FROM_URL):
        the init, the upload in TikTok's chunks, then (``wait``) the status polled until done
        (every ``poll_interval`` seconds, for ``max_wait`` at most)."""
        return self._publish(access_token, video, post_info, False, chunk_size, wait,
                             poll_interval, max_wait)  # fmt: skip

    def upload_video(
        self, access_token: str, video: posting.Video, *, chunk_size: int | None = None,
        wait: bool = True, poll_interval: float = 1.0, max_wait: float = 600.0,
    ) -> PublishStatus:  # fmt: skip
        """An upload to the creator's drafts (scope video.upload), as ``post_video``."""
        return self._publish(access_token, video, None, True, chunk_size, wait, poll_interval,
                             max_wait)  # fmt: skip

    def _publish(
        self, token: str, video: posting.Video, post_info: Mapping[str, Any] | None,
        inbox: bool, chunk_size: int | None, wait: bool, poll_interval: float, max_wait: float,
    ) -> PublishStatus:  # fmt: skip
        plan = None if posting.is_url(video) else posting.plan(posting.size_of(video), chunk_size)
        source = plan.source_info if plan else {"source": "PULL_FROM_URL", "video_url": video}
        init = posting.init_request(self.endpoints, token, inbox, source, post_info)
        data = self._send(init).get("data", {})
        publish_id = str(data.get("publish_id", ""))
        if plan is not None:
            self._upload(str(data.get("upload_url", "")), video, plan)
        status = self.publish_status(token, publish_id)
        for _ in range(posting.polls(wait, poll_interval, max_wait)):
            if status.done:
                break
            self._sleep(poll_interval)
            status = self.publish_status(token, publish_id)
        return status

    def _upload(self, url: str, video: posting.Video, plan: posting.Plan) -> None:
        kind = posting.media_type(video)
        with posting.opened(video) as handle:
            for index in range(plan.count):
                first, last = plan.span(index)
                content = posting.read_chunk(video, handle, first, last)
                headers = posting.chunk_headers(kind, first, last, plan.size)
                self._send(protocol.Request("PUT", url, headers, content=content))
