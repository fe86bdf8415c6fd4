"""Every browser test fails on a console error, a failed request or an asset that doesn't load.

A test that visits a page it expects to fail (a 404, a revoked link) says which errors it expects with
`expected_console_errors.append(<part of the message>)`; nothing else is let through.
"""

import pytest


@pytest.fixture
def expected_console_errors() -> list[str]:
    return []


@pytest.fixture(autouse=True)
def _no_console_errors_or_failed_requests(page, expected_console_errors):
    problems = []

    def on_console(message):
        if (
            message.type == "error"
            or "Refused to" in message.text
            or "Content Security Policy" in message.text
        ):
            problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    def on_request_failed(request):
        failure = request.failure or ""
        # A download the browser hands to its download manager, or a navigation that replaced a pending
        # request (leaving a page), is aborted on purpose, not broken.
        if "ERR_ABORTED" in failure:
            return
        problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def on_response(response):
        if "/static/" in response.url and response.status >= 400:
            problems.append(f"asset {response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    yield
    unexpected = [p for p in problems if not any(expected in p for expected in expected_console_errors)]
    assert not unexpected, "\n".join(unexpected)
