from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesAppConfig


class EaselConfig(AppConfig):
    """The project package as an app, only so its management commands (serve, backup, restore) are found."""

    name = "config"
    label = "easel"
    verbose_name = "Easel"


class StaticFilesConfig(StaticFilesAppConfig):
    """Skip static files Easel never serves: htmx 4 and extensions (we load htmx 2 only)."""

    ignore_patterns = [*StaticFilesAppConfig.ignore_patterns, "htmx-4*", "htmax-4*", "hx-*"]
