import socket

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from imagegen import selectors


class Command(BaseCommand):
    help = (
        "A worker container's health check: exits 0 when a worker on this host beat its heartbeat lately "
        "(within EASEL_HEARTBEAT_STALE_SECONDS), 1 otherwise, with one line saying why."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default=socket.gethostname(),
            help="The host whose worker to check (default: this one; in Docker, this container).",
        )

    def handle(self, *, host: str, **options):
        try:
            worker = selectors.worker_on_host(host=host)
        except DatabaseError as error:
            raise CommandError(
                f"Cannot read the workers' heartbeats: the database does not answer ({error})."
            ) from None
        if worker is None:
            raise CommandError(f"No worker on {host} has recorded a heartbeat yet.")
        said = f"The worker on {host} (process {worker.pid}) last beat {worker.age_seconds:.0f} s ago"
        if worker.state == "stopped":
            raise CommandError(f"{said} and has stopped.")
        if worker.state == "stale":
            raise CommandError(f"{said}: it is hung or gone.")
        self.stdout.write(f"{said}; it runs {worker.running} generation(s).")
