"""Keep share-link tokens out of Django's own log lines ("Not Found: /s/<token>/"), as gunicorn's access
log already does: an expired link's token in a log file would work again the moment its owner extends it."""

import logging

from config.gunicorn_logging import TOKEN_IN_PATH

REDACTED = r"\1<redacted>"


class RedactShareTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_PATH.sub(REDACTED, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact(value) for key, value in record.args.items()}
        return True


def _redact(value):
    return TOKEN_IN_PATH.sub(REDACTED, value) if isinstance(value, str) else value
