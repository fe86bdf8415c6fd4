from django.conf import settings
from django.core.management.base import BaseCommand

from gallery import services


class Command(BaseCommand):
    help = (
        "Delete for good the images that have been in the trash longer than EASEL_TRASH_DAYS, "
        "with their files (unless another image shares them). Run it daily from cron or the worker."
    )

    def handle(self, *args, **options):
        purged = services.trash_purge_expired()
        self.stdout.write(
            f"Purged {purged} image{'' if purged == 1 else 's'} trashed over {settings.TRASH_DAYS} days ago."
        )
