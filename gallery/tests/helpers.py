"""Small helpers for the gallery's tests."""

from tests.fixtures.media import stored

__all__ = ["stored"]
