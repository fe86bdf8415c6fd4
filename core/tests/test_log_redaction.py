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


def test_percent_encoded_and_mixed_case_paths_are_redacted():
    token = new_token()
    first_encoded = "".join(f"%{ord(c):02X}" for c in token[:3]) + token[3:]
    lines = [
        f"GET /s/{first_encoded}/ HTTP/1.1",  # the attack in the report: /s/%55Dz…/
        f"GET /s/{''.join(f'%{ord(c):02x}' for c in token)}/i/4/original HTTP/1.1",  # every character
        f"GET /%73/{token}/ HTTP/1.1",  # the /s/ itself encoded
        f"GET %2Fs%2F{token}%2F HTTP/1.1",
        f"GET /S/{token}/ HTTP/1.1",
        f"GET /Invite/{token}/ HTTP/1.1",
        f"GET /INVITE/{token[:10]}%{ord(token[10]):02X}{token[11:]}/ HTTP/1.1",
        f"GET /s/{token[:5]}%25{ord(token[5]):02X}{token[6:]}/ HTTP/1.1",  # double-encoded
        f"GET /login/?next=%2Fs%2F{token}%2F HTTP/1.1",  # in a query string
    ]
    for line in lines:
        redacted = redact(line)
        assert token not in redacted, line
        assert token[11:] not in redacted, line
        assert "<redacted>" in redacted, line


def test_a_decoded_line_cannot_forge_another_line():
    token = new_token()
    redacted = redact(f"GET /s/{token}/%0A127.0.0.1 - fake HTTP/1.1")
    assert "\n" not in redacted
    assert "%0A" in redacted


def test_lines_without_tokens_are_left_as_they_were():
    assert redact("GET /gallery/?q=red%20fox HTTP/1.1") == "GET /gallery/?q=red%20fox HTTP/1.1"
    assert redact("/S/short/") == "/S/short/"
