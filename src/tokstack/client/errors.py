"""The errors TikTok's Open API v2 answers with, as exceptions.

Two families, as on the wire: the API family (``{"data", "error": {"code", "message",
"log_id"}}``, e.g. ``/v2/user/info/``) and the OAuth family of the token and revoke
endpoints (``{"error", "error_description", "log_id"}``). An unknown code is still raised,
as the base class of its family.
"""

from __future__ import annotations


class TikTokClientError(Exception):
    """Any error answer: ``code``, ``message``, ``log_id``, the HTTP ``status``, and
    ``retry_after`` (the seconds of a ``Retry-After`` header, when one was sent)."""

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        log_id: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code, self.message, self.log_id, self.status = code, message, log_id, status
        self.retry_after = retry_after
        super().__init__(f"{code}: {message}" if message else code)


class TikTokError(TikTokClientError):
    """The API family (``/v2/user/info/`` and the other ``/v2/`` endpoints)."""


class AccessTokenInvalid(TikTokError):
    """The access token is expired, revoked or unknown: refresh it or log in again."""


class ScopeNotAuthorized(TikTokError):
    """The user did not grant a scope that a requested field needs."""


class InvalidParams(TikTokError):
    """A parameter is wrong (e.g. an unknown field)."""


class InternalError(TikTokError):
    """TikTok failed; retrying later may work."""


class RateLimitExceeded(TikTokError):
    """Too many requests; ``retry_after`` holds the seconds of ``Retry-After`` when sent."""


class OAuthError(TikTokClientError):
    """The token and revoke endpoints' family; ``error`` and ``description`` are aliases of
    ``code`` and ``message``, named as on the wire."""

    @property
    def error(self) -> str:
        return self.code

    @property
    def description(self) -> str:
        return self.message


class InvalidGrant(OAuthError):
    """The code or refresh token is expired, used, revoked or not the app's."""


class InvalidClient(OAuthError):
    """The client key or secret is wrong."""


class InvalidRequest(OAuthError):
    """A missing or malformed parameter (e.g. a redirect URI that does not match)."""


class InvalidScope(OAuthError):
    """A scope is unknown or not approved for the app."""


API_ERRORS: dict[str, type[TikTokError]] = {
    "access_token_invalid": AccessTokenInvalid,
    "scope_not_authorized": ScopeNotAuthorized,
    "invalid_params": InvalidParams,
    "internal_error": InternalError,
    "rate_limit_exceeded": RateLimitExceeded,
}
OAUTH_ERRORS: dict[str, type[OAuthError]] = {
    "invalid_grant": InvalidGrant,
    "invalid_client": InvalidClient,
    "invalid_request": InvalidRequest,
    "invalid_scope": InvalidScope,
}


def api_error(
    code: str,
    message: str = "",
    log_id: str | None = None,
    status: int | None = None,
    retry_after: float | None = None,
) -> TikTokError:
    kind = API_ERRORS.get(code, TikTokError)
    return kind(code, message, log_id=log_id, status=status, retry_after=retry_after)


def oauth_error(
    error: str,
    description: str = "",
    log_id: str | None = None,
    status: int | None = None,
    retry_after: float | None = None,
) -> OAuthError:
    kind = OAUTH_ERRORS.get(error, OAuthError)
    return kind(error, description, log_id=log_id, status=status, retry_after=retry_after)
