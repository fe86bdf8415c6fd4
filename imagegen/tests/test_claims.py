"""Claiming queued generations: several in one transaction, oldest first, never more than the worker has
free threads for (imagegen.worker, imagegen.services.queue)."""

import threading

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from imagegen.services import queue as task_queue
from imagegen.worker import CLAIM_BATCH, PoolWorker
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"


def claim(limit: int) -> list[int]:
    claimed = task_queue.claim_ready_tasks(
        worker_id="claimer", backend_name="default", queue_names=("default",), limit=limit
    )
    return [task_result.args_kwargs["kwargs"]["generation_id"] for task_result in claimed]


def test_one_claim_takes_up_to_its_limit_oldest_first_and_marks_them_running(member, image_models):
    queued = [queue_generation(member, image_models[GEMINI], f"a fox, take {n}").pk for n in range(5)]

    assert claim(3) == queued[:3]
    assert claim(3) == queued[3:]
    assert claim(3) == []
    tasks = DBTaskResult.objects.all()
    assert {task.status for task in tasks} == {TaskResultStatus.RUNNING}
    assert all(task.worker_ids == ["claimer"] for task in tasks)


def test_the_worker_asks_for_as_many_as_it_has_free_threads_and_gives_back_what_it_did_not_get(monkeypatch):
    asked: list[int] = []
    worker = PoolWorker(
        worker_id="batcher",
        threads=CLAIM_BATCH + 5,
        poll_seconds=0.01,
        heartbeat_seconds=60,
        recovery_seconds=60,
        heartbeat=lambda worker_id: None,
        recover=lambda: None,
    )

    def claim_nothing(*, limit: int) -> list:
        asked.append(limit)
        if len(asked) == 3:
            worker.stopping.set()
        return []

    monkeypatch.setattr(worker, "_claim_ready", claim_nothing)
    loop = threading.Thread(target=worker.run)
    loop.start()
    loop.join(timeout=30)
    assert not loop.is_alive()
    # Each round asks for a full batch: the slots not used by a round were given back.
    assert asked == [CLAIM_BATCH] * 3
    assert all(worker.free_slots.acquire(blocking=False) for _ in range(CLAIM_BATCH + 5))
    assert not worker.free_slots.acquire(blocking=False)
