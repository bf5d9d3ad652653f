"""The one error hierarchy. The core raises these; only ``tokstack.web.render`` renders them.

    TokstackError
    ├── ApiError                      -> rendered by route family (OAuth JSON, v2 envelope, HTML)
    │   ├── OAuthError                -> {"error", "error_description", "log_id"}
    │   │   ├── InvalidRequest, InvalidClient (401), InvalidGrant, InvalidScope,
    │   │   ├── UnauthorizedClient, UnsupportedGrantType, UnsupportedResponseType,
    │   │   ├── AccessDenied, ServerError (500), TemporarilyUnavailable (503),
    │   │   └── UntrustedAuthorizeParam   -> an HTML page naming the parameter
    │   └── ApiV2Error                -> {"data": {}, "error": {"code", "message", "log_id"}}
    │       ├── AccessTokenInvalid (401), ScopeNotAuthorized (401), InvalidParams (400),
    │       └── RateLimitExceeded (429), InternalError (500), ServiceUnavailable (503)
    │   └── ControlError (400)        -> {"error": {"code", "message"}} (emulator control API)
    │       └── ControlNotFound (404), ControlUnauthorized (401)
    ├── NotFound, Conflict            -> storage outcomes; services map them to the above
    └── ValidationError               -> bad operator input (CLI, portal forms)

``description`` is safe to send to a client; ``detail`` only ever reaches the log.
"""

from __future__ import annotations


class TokstackError(Exception):
    """Root of every error tokstack raises on purpose."""


class ApiError(TokstackError):
    code: str = "internal_error"
    status: int = 500
    default_description: str = "Something went wrong. Please try again later."

    def __init__(self, description: str | None = None, *, detail: str | None = None) -> None:
        self.description = description or self.default_description
        self.detail = detail
        # Set only once the redirect URI has been verified against the app (authorize).
        self.redirect_uri: str | None = None
        self.state: str | None = None
        super().__init__(detail or self.description)

    def redirect_to(self, redirect_uri: str, state: str | None) -> ApiError:
        self.redirect_uri, self.state = redirect_uri, state
        return self


# --- OAuth endpoints (RFC 6749 section 5.2 codes, TikTok's flat body) -------------------


class OAuthError(ApiError):
    code = "invalid_request"
    status = 400
    default_description = "The request parameters are malformed."


class InvalidRequest(OAuthError):
    code = "invalid_request"


class InvalidClient(OAuthError):
    code = "invalid_client"
    status = 401
    default_description = "Client key or secret is invalid."


class InvalidGrant(OAuthError):
    code = "invalid_grant"
    default_description = "Authorization code or refresh token is expired or invalid."


class InvalidScope(OAuthError):
    code = "invalid_scope"
    default_description = "The requested scope is invalid or not approved for this app."


class UnauthorizedClient(OAuthError):
    code = "unauthorized_client"
    default_description = "The client is not authorized to use this grant type."


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    default_description = "The grant type is not supported."


class UnsupportedResponseType(OAuthError):
    code = "unsupported_response_type"
    default_description = "The response type is not supported."


class AccessDenied(OAuthError):
    code = "access_denied"
    status = 403
    default_description = "The user denied the request."


class ServerError(OAuthError):
    code = "server_error"
    status = 500
    default_description = "The server encountered an unexpected error."


class TemporarilyUnavailable(OAuthError):
    code = "temporarily_unavailable"
    status = 503
    default_description = "The service is temporarily unavailable. Please retry."


class SlowDown(OAuthError):
    code = "rate_limit_exceeded"
    status = 429
    default_description = "Too many requests. Please retry later."

    def __init__(
        self, description: str | None = None, *, retry_after: int = 60, detail: str | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(description, detail=detail)


class RequestTooLarge(OAuthError):
    """A body over the route's limit (``tokstack.web.limits``): 413 in the route's own shape."""

    code = "invalid_request"
    status = 413
    default_description = "The request body is too large."


class UntrustedAuthorizeParam(OAuthError):
    """A bad ``client_key``/``redirect_uri``: shown on an HTML page, never redirected."""

    code = "invalid_request"

    def __init__(self, param: str, *, detail: str | None = None) -> None:
        self.param = param
        super().__init__(f"Invalid parameter: {param}", detail=detail)


class PageNotFound(ApiError):
    """A browser page for something that does not exist (or is not the caller's)."""

    code = "not_found"
    status = 404
    default_description = "Not found."


# --- Open API v2 endpoints (TikTok's error catalogue) ---------------------------------


class ApiV2Error(ApiError):
    code = "internal_error"
    status = 500


class AccessTokenInvalid(ApiV2Error):
    code = "access_token_invalid"
    status = 401
    default_description = (
        "The access token is invalid or not found in the request. "
        "Please refresh the token and retry."
    )


class ScopeNotAuthorized(ApiV2Error):
    code = "scope_not_authorized"
    status = 401
    default_description = (
        "The user did not authorize the scope required for completing this request."
    )


class InvalidParams(ApiV2Error):
    code = "invalid_params"
    status = 400
    default_description = "The request parameters are invalid."


class RateLimitExceeded(ApiV2Error):
    code = "rate_limit_exceeded"
    status = 429
    default_description = "The API rate limit was exceeded. Please retry later."

    def __init__(self, retry_after: int = 60, *, detail: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(detail=detail)


class PostingRefused(ApiV2Error):
    """A Content Posting API refusal with its own code: ``privacy_level_option_mismatch``,
    ``unaudited_client_can_only_post_to_private_accounts``, ``spam_risk_…``,
    ``url_ownership_unverified``."""

    def __init__(self, code: str, status: int, description: str) -> None:
        self.code, self.status = code, status
        super().__init__(description)


class InternalError(ApiV2Error):
    code = "internal_error"
    status = 500
    default_description = "Something went wrong. Please try again later."


class ServiceUnavailable(ApiV2Error):
    code = "internal_error"
    status = 503
    default_description = "The service is temporarily unavailable. Please try again later."


# --- the emulator's control API (/_tokstack/): {"error": {"code", "message"}} -------------


class ControlError(ApiError):
    code = "invalid_request"
    status = 400
    default_description = "The request is not valid."


class ControlNotFound(ControlError):
    code = "not_found"
    status = 404
    default_description = "Not found."


class ControlUnauthorized(ControlError):
    code = "unauthorized"
    status = 401
    default_description = "The control API needs Authorization: Bearer <TOKSTACK_EMULATOR_TOKEN>."


# --- outcomes inside tokstack -------------------------------------------------------


class NotFound(TokstackError):
    """A looked-up record does not exist."""


class Conflict(TokstackError):
    """A record would violate a uniqueness rule (e.g. a taken username)."""


class ValidationError(TokstackError):
    """Operator or developer input is not acceptable; the message says why."""
