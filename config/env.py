"""Typed readers for environment variables.

A malformed value stops start-up with one line naming the variable and what it accepts
(`EnvError`); manage.py and gunicorn.conf.py print that line instead of a traceback.
"""

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class EnvError(ImproperlyConfigured):
    """An environment variable holds a value Easel cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name}={raw!r} is not valid: use true or false (1/0, yes/no and on/off also work).")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    in_range = (
        value is not None and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    )
    if not in_range:
        bounds = _describe_bounds(minimum, maximum)
        raise EnvError(f"{name}={raw!r} is not valid: use a whole number{bounds}.")
    return value


def env_decimal_or_blank(name: str) -> str | None:
    """A money amount such as "25" or "12.50"; blank means "no value"."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise EnvError(
            f"{name}={raw!r} is not valid: use an amount in US dollars such as 25 or 12.50, or leave it empty."
        )
    return str(value)


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = None
    if value is None or value != value or value < minimum:  # value != value: NaN
        raise EnvError(f"{name}={raw!r} is not valid: use a number of at least {minimum:g}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origins(name: str) -> list[str]:
    origins = env_list(name)
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise EnvError(
                f"{name} contains {origin!r}: use comma-separated origins such as https://easel.example.com"
            )
    return origins


def env_url(name: str, default: str) -> str:
    raw = env_str(name, default)
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EnvError(f"{name}={raw!r} is not valid: use an http:// or https:// URL.")
    return raw.rstrip("/")


def env_path(name: str, default: Path) -> Path:
    raw = env_str(name)
    return Path(raw).expanduser().resolve() if raw else default


def _describe_bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env_str(name, default)
    value = raw.upper() if all(choice.isupper() for choice in choices) else raw
    if value not in choices:
        raise EnvError(f"{name}={raw!r} is not valid: use one of {', '.join(choices)}.")
    return value
