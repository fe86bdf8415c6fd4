import logging
import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string

from gallery.storage import storage_problem
from imagegen import selectors, services
from imagegen.worker import PoolWorker, lower_cpu_priority

logger = logging.getLogger("easel.worker")


class Command(BaseCommand):
    help = "Run the task worker: generations run concurrently in a thread pool (EASEL_WORKER_THREADS)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WORKER_THREADS,
            help="Generations run at once (default: EASEL_WORKER_THREADS).",
        )
        parser.add_argument("--worker-id", default="", help="A unique id for this worker (default: random).")

    def handle(self, *, threads: int, worker_id: str, verbosity: int, **options):
        if problem := storage_problem():
            raise CommandError(problem)  # one line, exit code 1: wrong credentials never reach a generation
        if problem := selectors.worker_connections_problem(threads=max(1, threads)):
            logger.warning(problem)  # it may still run: fewer generations at once need fewer connections
        lower_cpu_priority(settings.WORKER_NICENESS)
        if settings.WARM_UP:
            services.generation_path_warm_up()  # so the first generation is as quick as the rest
        identity = services.WorkerIdentity(
            worker_id=worker_id or f"worker-{get_random_string(12)}",
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=timezone.now(),
        )
        worker = PoolWorker(
            worker_id=identity.worker_id,
            threads=max(1, threads),
            poll_seconds=settings.WORKER_POLL_SECONDS,
            heartbeat_seconds=settings.HEARTBEAT_SECONDS,
            recovery_seconds=settings.RECOVERY_INTERVAL_SECONDS,
            heartbeat=lambda worker_id: services.worker_heartbeat(identity=identity),
            recover=lambda: services.generations_recover(),
            stopped=lambda worker_id: services.worker_stopped(worker_id=worker_id),
            watchdog_seconds=settings.WORKER_WATCHDOG_SECONDS or None,
        )
        worker.install_signal_handlers()
        worker.run()
