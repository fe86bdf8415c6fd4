"""The one path converter for database ids in every app's URLs: `<db_id:pk>`."""

from django.urls import register_converter

from core.ids import MAX_ID_DIGITS, parse_id


class DatabaseIdConverter:
    """A positive id that fits a 64-bit column. A bigger number is not a URL of ours (404), so it never
    reaches the database driver, which would overflow on it."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        pk = parse_id(value)
        if pk is None:
            raise ValueError(value)  # Django answers 404: the pattern does not match
        return pk

    def to_url(self, value: int) -> str:
        return str(value)


# Registered once, here; the URL modules import this module. The name is ours alone.
register_converter(DatabaseIdConverter, "db_id")
