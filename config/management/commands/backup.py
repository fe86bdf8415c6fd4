from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_create
from config.permissions import restrict_new_files


class Command(BaseCommand):
    help = "Write a consistent archive of the database and media (safe while Easel runs)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="Archive to write (default: EASEL_DATA_DIR/backups/easel-<time>.tar)."
        )

    def handle(self, *, path: str | None, **options):
        restrict_new_files()  # a backup is the whole database: for Easel's user alone
        target = (
            Path(path)
            if path
            else Path(settings.DATA_DIR) / "backups" / f"easel-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar"
        )
        try:
            report = backup_create(path=target)
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from None
        self.stdout.write(
            f"Backed up the {report.vendor} database and {report.media_files} media files "
            f"to {report.path} ({report.bytes / 1_000_000:.1f} MB)."
        )
