from django.apps import AppConfig


class EaselConfig(AppConfig):
    """The project package as an app, so its management commands (serve, backup, restore) and its
    system check (config.permissions) are found."""

    name = "config"
    label = "easel"
    verbose_name = "Easel"

    def ready(self):
        # Registers the start-up warning about files other users can read (a system check).
        from config import permissions  # noqa: F401
