"""Worker heartbeats: each worker process says, every few seconds, that it is alive and what it runs.

The heartbeat of the generations a worker holds (run.generations_heartbeat) keeps recovery off live work;
the worker's own row (imagegen.models.Worker) lets people see that a worker is alive at all, including
when it has nothing to do: /healthz, the stuck-work endpoint, the Generate page and the team dashboard
read it through imagegen.selectors.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from imagegen.models import Worker
from imagegen.services.run import generations_heartbeat

# Rows of workers that stopped (or died) this long ago are deleted by recovery: every start of a worker
# makes a new row, and a dashboard listing a year of restarts would hide the ones that matter.
FORGET_WORKERS_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class WorkerIdentity:
    """Who is beating: fixed for the life of one worker process."""

    worker_id: str
    host: str
    pid: int
    started_at: datetime


def worker_heartbeat(*, identity: WorkerIdentity, now: datetime | None = None) -> int:
    """Mark the worker's running generations alive, then record the worker itself (one upsert).

    Returns the number of generations it is running."""
    running = generations_heartbeat(worker_id=identity.worker_id)
    now = now or timezone.now()
    row = Worker(
        worker_id=identity.worker_id,
        host=identity.host[:255],
        pid=identity.pid,
        started_at=identity.started_at,
        heartbeat_at=now,
        running=running,
        stopped_at=None,
    )
    # INSERT … ON CONFLICT DO UPDATE: one statement on SQLite and PostgreSQL alike.
    Worker.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["worker_id"],
        update_fields=["host", "pid", "heartbeat_at", "running", "stopped_at"],
    )
    return running


def worker_stopped(*, worker_id: str, now: datetime | None = None) -> None:
    """A clean exit: the worker is gone on purpose, not stale."""
    now = now or timezone.now()
    Worker.objects.filter(worker_id=worker_id).update(stopped_at=now, heartbeat_at=now, running=0)


def workers_forget_old(*, now: datetime | None = None) -> int:
    """Delete the rows of workers not heard from for a week (recovery calls it)."""
    now = now or timezone.now()
    deleted, _ = Worker.objects.filter(heartbeat_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return deleted
