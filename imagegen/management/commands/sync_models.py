from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import openrouter
from imagegen.client import openrouter_client
from imagegen.model_sync import models_sync


class Command(BaseCommand):
    help = "Create or update the image-model allowlist from OpenRouter. New models arrive disabled."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enable", nargs="+", default=[], metavar="ID", help="Enable these models (OpenRouter ids)."
        )
        parser.add_argument(
            "--enable-all", action="store_true", help="Enable every image model OpenRouter lists."
        )

    def handle(self, *, enable: list[str], enable_all: bool, **options):
        try:
            report = models_sync(client=openrouter_client(), enable=enable, enable_all=enable_all)
        except openrouter.OpenRouterError as error:
            raise CommandError(f"Sync failed, nothing was changed: {error.message}") from None
        except ValueError as error:
            raise CommandError(f"Sync failed, nothing was changed: {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        if settings.OFFLINE_DEMO:
            self.stdout.write("(These are the offline stand-in's models.)")
