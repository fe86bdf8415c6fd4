from django.urls import register_converter


class DatabaseIdConverter:
    """A positive id that fits a 64-bit column: longer digit strings are not ids, so they 404 cleanly
    instead of overflowing the database driver."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Registered once, here; the URL modules import this module. The name is ours alone.
register_converter(DatabaseIdConverter, "sharing_id")
