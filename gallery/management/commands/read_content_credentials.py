from django.core.management.base import BaseCommand

from gallery import services


class Command(BaseCommand):
    help = (
        "Read the C2PA Content Credentials of images stored before Easel read them (new images are read "
        "when stored; an image page also reads its own the first time it is opened). Originals are only read."
    )

    def handle(self, *args, **options):
        counts = services.images_credentials_backfill()
        if not counts:
            self.stdout.write("Every image's Content Credentials have been read already.")
            return
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        self.stdout.write(f"Read the Content Credentials of {sum(counts.values())} images: {summary}.")
