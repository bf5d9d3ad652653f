"""Server-rendered HTML pages, always sent with anti-framing and no-cache headers."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, RedirectResponse

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape  # pages are not hot

    return Environment(
        loader=PackageLoader("tokstack.web", "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "frame-ancestors 'none'; form-action 'self' http: https:; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    body = _env().get_template(template).render(**values)
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


# the embed player (TikTok's embed_link) is meant to be framed by other sites
EMBED_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors *; "
        "form-action 'none'; base-uri 'none'"
    ),
}
del EMBED_HEADERS["X-Frame-Options"]


def embeddable_page(template: str, **values: Any) -> HTMLResponse:
    body = _env().get_template(template).render(**values)
    return HTMLResponse(body, headers=EMBED_HEADERS)


def error_page(*, param: str | None = None, message: str = "", status: int = 400) -> HTMLResponse:
    return page("error.html", status, param=param, message=message, http_status=status)


def redirect(url: str, status: int = 302) -> RedirectResponse:
    return RedirectResponse(url, status_code=status, headers=PAGE_HEADERS)
