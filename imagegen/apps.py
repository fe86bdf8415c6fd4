from django.apps import AppConfig


class ImagegenConfig(AppConfig):
    name = "imagegen"
    verbose_name = "Image generation"

    def ready(self):
        # Connects the receiver that keeps the gallery from deleting files a generation's references use.
        from imagegen import receivers  # noqa: F401
