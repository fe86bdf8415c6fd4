"""Recovery: settling generations whose worker died (a stale heartbeat), so none stays "running" forever."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from gallery.models import Image
from imagegen.models import Generation
from imagegen.services import queue
from imagegen.services.run import settlement_fields
from imagegen.services.workers import workers_forget_old

logger = logging.getLogger("easel.generation")

MAX_RECOVERY_ATTEMPTS = 3


@dataclass
class RecoveryReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def generations_recover(*, now=None) -> RecoveryReport:
    """Settle generations whose worker died (a stale heartbeat), so none stays "running" forever.

    A generation that never sent a request is queued again (nothing was paid); one that may have
    reached OpenRouter is failed as interrupted, because running it again could pay twice.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    report = RecoveryReport()
    stale = Generation.objects.filter(status=Generation.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, updated_at__lt=stale_before)
    )
    for generation in stale.only("pk", "request_sent_at", "attempts", "heartbeat_at", "count"):
        with transaction.atomic():
            still_stale = Generation.objects.filter(
                pk=generation.pk, status=Generation.Status.RUNNING, heartbeat_at=generation.heartbeat_at
            )
            if generation.request_sent_at is None and generation.attempts < MAX_RECOVERY_ATTEMPTS:
                if still_stale.update(
                    status=Generation.Status.QUEUED,
                    stage=Generation.Stage.QUEUED,
                    worker_id="",
                    heartbeat_at=None,
                    progress={},
                    updated_at=now,
                ):
                    queue.enqueue_generation(generation_id=generation.pk)
                    report.requeued.append(generation.pk)
            elif _fail_interrupted(still_stale, generation, now):
                report.failed.append(generation.pk)
            queue.generation_task_fail_orphaned(generation_id=generation.pk, now=now)
    report.requeued += _requeue_lost_tasks(stale_before=stale_before)
    workers_forget_old(now=now)
    if report.requeued or report.failed:
        logger.warning(
            "Recovered generations whose worker stopped: requeued %s, failed %s",
            report.requeued,
            report.failed,
        )
    return report


def _requeue_lost_tasks(*, stale_before) -> list[int]:
    """Queued generations whose task can no longer run (its worker died before claiming the row)."""
    requeued = []
    waiting = Generation.objects.filter(status=Generation.Status.QUEUED, updated_at__lt=stale_before)
    for generation_id in waiting.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            if queue.generation_task_alive(generation_id=generation_id, stale_before=stale_before):
                continue
            queue.generation_task_fail_orphaned(generation_id=generation_id, now=timezone.now())
            Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
                updated_at=timezone.now()
            )
            queue.enqueue_generation(generation_id=generation_id)
            requeued.append(generation_id)
    return requeued


INTERRUPTED = (
    "Interrupted: the worker running this generation stopped after the request was sent, so it may have "
    "been charged. Easel did not retry it, to avoid paying twice. Try again."
)
INTERRUPTED_BEFORE_SENDING = (
    f"Interrupted: the worker running this generation stopped {MAX_RECOVERY_ATTEMPTS} times before its "
    "request was sent, so Easel stopped trying (nothing was charged). Try again."
)


def _fail_interrupted(still_stale, generation: Generation, now) -> bool:
    saved = Image.objects.filter(generation_id=generation.pk).count()
    # Settle: what OpenRouter reported for the images that landed is the cost; the reservation is released.
    saved_cost = Image.objects.filter(generation_id=generation.pk).aggregate(cost=Sum("cost_usd"))["cost"]
    settlement = settlement_fields(cost_usd=saved_cost)
    if saved:
        updated = still_stale.update(
            status=Generation.Status.SUCCEEDED,
            stage=Generation.Stage.DONE,
            error_kind="interrupted",
            error_message=f"Interrupted after {saved} of {generation.count} images arrived. {INTERRUPTED}",
            finished_at=now,
            updated_at=now,
            **settlement,
        )
    else:
        updated = still_stale.update(
            status=Generation.Status.FAILED,
            stage=Generation.Stage.FAILED,
            error_kind="interrupted",
            error_message=INTERRUPTED if generation.request_sent_at else INTERRUPTED_BEFORE_SENDING,
            finished_at=now,
            updated_at=now,
            **settlement,
        )
    return bool(updated)
