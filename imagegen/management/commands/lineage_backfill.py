from django.core.management.base import BaseCommand

from imagegen.lineage_backfill import lineage_backfill


class Command(BaseCommand):
    help = (
        "Fill in 'made from' links for images stored before Easel recorded lineage (from remix, retry, "
        "run-again and reference records). Safe to run again: it adds only what is missing."
    )

    def handle(self, *args, **options) -> None:
        report = lineage_backfill()
        self.stdout.write(f"Looked at {report.images} images; added {report.links_added} lineage links.")
