from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_restore, file_sha256
from gallery.models import Image


class Command(BaseCommand):
    help = "Restore a backup written by `manage.py backup`. Stop the web server and workers first."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive to restore.")
        parser.add_argument("--force", action="store_true", help="Replace a database that already has data.")

    def handle(self, *, path: str, force: bool, **options):
        try:
            report = backup_restore(path=Path(path), force=force)
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        damaged = [
            image.pk
            for image in Image.objects.only("pk", "file_name", "sha256")
            if file_sha256(image.file_name) != image.sha256
        ]
        if damaged:
            raise CommandError(f"Restored, but these images' files don't match their hashes: {damaged}")
        self.stdout.write(
            f"Restored the {report.vendor} database and {report.media_files} media files from {report.path}; "
            f"every image's file matches its sha256."
        )


def _sha256_or_none(name: str) -> str | None:
    try:
        return file_sha256(name)
    except FileNotFoundError:
        return None
