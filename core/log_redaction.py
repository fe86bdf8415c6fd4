"""Share-link, invite and password-reset tokens are bearer secrets: they are cut out of every log line that names a path.

Gunicorn's access log (config.gunicorn_logging) and Django's own lines ("Not Found: /s/<token>/") both
use this. An expired link's token in a log file would work again the moment its owner extends it.

Paths are matched after percent-decoding and without regard to case: `/s/%55Dz…/` opens the same link
as `/s/UDz…/`, and `/%73/…` or `/S/…` are still the token someone typed. A line with a token is logged
decoded (with control characters re-encoded, so a decoded %0A can't forge a log line); other lines are
left exactly as they were.
"""

import logging
import re
from urllib.parse import unquote

TOKEN_IN_PATH = re.compile(r"(/s/|/invite/|/password-reset/)[A-Za-z0-9_-]{16,}", re.IGNORECASE)
REDACTED = r"\1<redacted>"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Double (and triple) encoding: %2555 → %55 → U.
DECODING_ROUNDS = 3


def redact(text: str) -> str:
    decoded = _decoded(text)
    if not TOKEN_IN_PATH.search(decoded):
        return text
    redacted = TOKEN_IN_PATH.sub(REDACTED, decoded)
    return CONTROL_CHARACTERS.sub(lambda match: f"%{ord(match.group()):02X}", redacted)


def _decoded(text: str) -> str:
    for _ in range(DECODING_ROUNDS):
        decoded = unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text


class RedactTokens(logging.Filter):
    """Redacts the message and its string arguments; the record is always kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True


def _redacted(value):
    return redact(value) if isinstance(value, str) else value
