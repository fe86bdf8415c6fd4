"""Headers and canned answers for everything under /s/<token>/.

The "not available" answer is the same bytes and headers for every reason a token opens nothing: it is
rendered without the request (no CSRF token, no CSP nonce, no session, so no Vary: Cookie).
"""

import math

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

# Share pages run no inline script and nothing from elsewhere: one static file of Easel's own (the arrow keys
# between a collection's images, static/js/share-public.js); nobody may frame them.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
BYTES_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
MESSAGE_TEMPLATE = "sharing/public/message.html"


def with_share_headers(response: HttpResponse) -> HttpResponse:
    """Keep the token out of Referer headers, the page out of search engines and frames."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    csp = response.get("Content-Security-Policy")
    if csp is None:
        is_page = response.get("Content-Type", "").startswith("text/html")
        response["Content-Security-Policy"] = PAGE_CSP if is_page else BYTES_CSP
    elif "frame-ancestors" not in csp:
        response["Content-Security-Policy"] = f"{csp}; frame-ancestors 'none'"
    if "Cache-Control" not in response:
        # Pages must not outlive a revoke in any cache; bytes set their own (revalidate every time).
        response["Cache-Control"] = "private, no-store"
    return response


def not_available() -> HttpResponse:
    return _message(
        status=404,
        title="This link doesn't work",
        text=(
            "It may be mistyped, it may have expired, or the person who shared it may have turned it off. "
            "Ask them for a new link."
        ),
    )


def try_again_in(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def too_many_tries(*, retry_after: int, text: str) -> HttpResponse:
    response = _message(status=429, title="Too many tries", text=f"{text} {try_again_in(retry_after)}")
    response["Retry-After"] = str(retry_after)
    return response


def needs_password(*, token: str) -> HttpResponse:
    return _message(
        status=403,
        title="This link needs its password",
        text="Enter the password the person who shared it gave you.",
        action_url=reverse("share:unlock", kwargs={"token": token}),
        action_label="Enter the password",
    )


def downloads_off() -> HttpResponse:
    return _message(
        status=403,
        title="Downloads are turned off",
        text="The person who shared this link chose not to allow downloads.",
    )


def _message(
    *, status: int, title: str, text: str, action_url: str = "", action_label: str = ""
) -> HttpResponse:
    context = {"title": title, "text": text, "action_url": action_url, "action_label": action_label}
    return HttpResponse(render_to_string(MESSAGE_TEMPLATE, context), status=status)
