"""Django's own log lines name the path of every 404: share tokens are cut out of them."""

import logging

from django.conf import settings

from sharing.log_redaction import RedactShareTokens
from sharing.tokens import new_token


def test_tokens_are_redacted_from_log_lines():
    token = new_token()
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", f"/s/{token}/i/4/original"),
        None,
    )

    RedactShareTokens().filter(record)

    assert record.getMessage() == "Not Found: /s/<redacted>/i/4/original"


def test_the_console_handler_redacts():
    assert "redact_share_tokens" in settings.LOGGING["handlers"]["console"]["filters"]
