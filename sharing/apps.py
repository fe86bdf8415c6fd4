from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Share links"

    def ready(self):
        # Connects the receivers that stop links when their image or collection goes away.
        from sharing import receivers  # noqa: F401
