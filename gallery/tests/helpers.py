"""Small helpers for the gallery's tests."""

from pathlib import Path

from django.conf import settings


def stored(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name
