"""Database ids as they arrive from URLs and forms: a positive number that fits a 64-bit column.

A bigger number is not an id of anything; handed to the database it overflows the driver (SQLite raises
OverflowError, PostgreSQL refuses the comparison), so every id from outside is checked here first.
"""

MAX_ID = 2**63 - 1
# The longest string that can be an id: 19 digits (MAX_ID has 19). Longer strings are refused unread.
MAX_ID_DIGITS = len(str(MAX_ID))


def is_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def parse_id(raw) -> int | None:
    """The id in `raw` (an int or a string of ASCII digits), or None when it cannot be one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if is_id(raw) else None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        return None
    value = int(text)
    return value if is_id(value) else None
