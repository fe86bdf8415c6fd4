"""The queue: the generation task, and everything that knows django-tasks-db's internals.

A generation's row is the source of truth; the queue only carries its id. The task is defined here,
beside the code that enqueues and claims it, so that submitting, running and recovering depend on the
queue and never the other way round (a tasks module next to the services would import them back).
"""

import contextvars
from datetime import datetime

from django.db import OperationalError
from django.db.models import Q
from django.tasks import task
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from imagegen.services import run

# The id of the worker running the current task, for code that records who holds a generation.
current_worker_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_worker_id", default="")


@task
def run_generation(*, generation_id: int) -> None:
    run.generation_run(generation_id=generation_id, worker_id=current_worker_id.get())


def enqueue_generation(*, generation_id: int) -> None:
    """Queue a generation to run. The queue lives in the same database: call it in the row's transaction."""
    run_generation.enqueue(generation_id=generation_id)


def claim_ready_tasks(
    *, worker_id: str, backend_name: str, queue_names: tuple[str, ...], limit: int
) -> list[DBTaskResult]:
    """Claim up to `limit` of the oldest ready tasks in one transaction (SKIP LOCKED on PostgreSQL, an
    exclusive transaction on SQLite), oldest first.

    Several at once because every claim waits its turn for SQLite's write lock like every other writer: in
    a burst of submissions, one turn per generation let claims fall a second behind (bench_generate.py).
    A worker asks for no more than it has free threads, so what it claims starts at once."""
    tasks = DBTaskResult.objects.ready().filter(backend_name=backend_name, queue_name__in=queue_names)
    try:
        with exclusive_transaction(tasks.db):
            claimed = list(tasks.select_for_update(skip_locked=True)[:limit])
            for task_result in claimed:
                task_result.claim(worker_id)
            return claimed
    except OperationalError as exc:
        if is_locked_database_exception(exc):
            return []
        raise


class TaskRunner:
    """Runs one claimed task as django-tasks-db's own worker does: calls it, records success or failure,
    sends the task signals. Only its run_task() is used; the claiming loop is Easel's (imagegen.worker)."""

    def __init__(
        self, *, worker_id: str, backend_name: str, queue_names: tuple[str, ...], poll_seconds: float
    ):
        self._worker = DBWorker(
            queue_names=list(queue_names),
            interval=poll_seconds,
            batch=False,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.worker_id = worker_id

    def run(self, task_result: DBTaskResult) -> None:
        token = current_worker_id.set(self.worker_id)
        try:
            self._worker.run_task(task_result)
        finally:
            current_worker_id.reset(token)


def generation_task_alive(*, generation_id: int, stale_before: datetime) -> bool:
    """Whether a task for this generation can still run: ready, or running on a worker seen lately."""
    tasks_of = DBTaskResult.objects.filter(args_kwargs__kwargs__generation_id=generation_id)
    return tasks_of.filter(Q(status="READY") | Q(status="RUNNING", started_at__gte=stale_before)).exists()


def generation_task_fail_orphaned(*, generation_id: int, now: datetime) -> None:
    """django-tasks-db leaves a killed worker's task "running" forever; record what happened to it."""
    DBTaskResult.objects.filter(status="RUNNING", args_kwargs__kwargs__generation_id=generation_id).update(
        status="FAILED",
        finished_at=now,
        exception_class_path="imagegen.worker.WorkerLost",
        traceback="The worker running this task stopped (its heartbeat went stale); recovery settled the generation.",
    )
