from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_restore, file_sha256
from gallery.models import Image


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup`. Stop the web server and workers first. The whole "
        "archive is checked before anything changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive to restore.")
        parser.add_argument("--force", action="store_true", help="Replace a database that already has data.")
        parser.add_argument(
            "--restore-incomplete",
            action="store_true",
            help="Restore an archive that lacks files or holds damaged ones: everything else is restored, "
            "and the files it lacks are listed.",
        )

    def handle(self, *, path: str, force: bool, restore_incomplete: bool, **options):
        try:
            report = backup_restore(path=Path(path), force=force, restore_incomplete=restore_incomplete)
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        known = set(report.check.missing) | set(report.check.mismatched)
        missing, damaged = _image_files_not_matching(skip=known)
        if missing or damaged:
            lines = [f"  missing: {name}" for name in missing] + [f"  damaged: {name}" for name in damaged]
            raise CommandError(
                "Restored, but these image files do not match their sha256 after writing them:\n"
                + "\n".join(lines)
            )
        restored = (
            f"Restored the {report.vendor} database and {report.media_files} media files from {report.path}"
        )
        if report.check.complete:
            self.stdout.write(f"{restored}; every image's file matches its sha256.")
            return
        self.stdout.write(f"{restored}.")
        self.stderr.write(
            self.style.WARNING(
                f"These {len(known)} files were not restored: the archive lacks them or they are damaged. "
                f"Their images show no picture until the files are put back:\n{report.check.describe()}"
            )
        )


def _image_files_not_matching(*, skip: set[str]) -> tuple[list[str], list[str]]:
    """Every image's stored file against its sha256 (names in `skip` are already reported)."""
    missing, damaged = [], []
    for image in Image.objects.only("pk", "file_name", "sha256").order_by("pk"):
        if image.file_name in skip:
            continue
        actual = file_sha256(image.file_name)
        if actual is None:
            missing.append(image.file_name)
        elif actual != image.sha256:
            damaged.append(image.file_name)
    return missing, damaged
