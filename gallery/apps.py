from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from django.conf import settings

        from core.decoding import set_decoding_slots

        set_decoding_slots(settings.DECODING_SLOTS)
