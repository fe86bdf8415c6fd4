"""Log lines that name a share-link or invite path have the token cut out; nothing else changes."""

import logging

from core.log_redaction import RedactTokens, redact
from core.tokens import new_token


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

    RedactTokens().filter(record)

    assert record.getMessage() == "Not Found: /s/<redacted>/i/4/original"


def test_invite_tokens_and_every_string_argument_are_redacted():
    token = new_token()
    record = logging.makeLogRecord(
        {
            "msg": f"GET /invite/{token}/ %(path)s %(status)s",
            "args": {"path": f"/s/{token}/zip", "status": 404},
        }
    )

    RedactTokens().filter(record)

    assert record.getMessage() == "GET /invite/<redacted>/ /s/<redacted>/zip 404"


def test_redact():
    token = new_token()
    assert redact(f"/s/{token}/i/4/original") == "/s/<redacted>/i/4/original"
    assert redact(f"GET /invite/{token}/ HTTP/1.1") == "GET /invite/<redacted>/ HTTP/1.1"
    assert redact("/s/short/") == "/s/short/"
    assert redact("/gallery/4/") == "/gallery/4/"
