from django.apps import AppConfig


class EaselConfig(AppConfig):
    """The project package as an app, only so its management commands (serve, backup, restore) are found."""

    name = "config"
    label = "easel"
    verbose_name = "Easel"
