"""Share-link and invite tokens are bearer secrets: they are cut out of every log line that names a path.

Gunicorn's access log (config.gunicorn_logging) and Django's own lines ("Not Found: /s/<token>/") both
use this. An expired link's token in a log file would work again the moment its owner extends it.
"""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/s/|/invite/)[A-Za-z0-9_-]{16,}")
REDACTED = r"\1<redacted>"


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED, text)


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
