"""Writes for image generation: creating, running, recovering generations. Reads live in selectors.py."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imagegen.models import Generation

logger = logging.getLogger("easel.generation")


def generations_heartbeat(*, worker_id: str) -> int:
    """Mark this worker's running generations alive (called by the worker loop every few seconds)."""
    return Generation.objects.filter(worker_id=worker_id, status=Generation.Status.RUNNING).update(
        heartbeat_at=timezone.now()
    )


def generations_recover(*, now=None) -> int:
    """Settle generations whose worker died (a stale heartbeat), so none stays "running" forever.

    Placeholder until the generation flow lands: failed rows only.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        return Generation.objects.filter(
            status=Generation.Status.RUNNING, heartbeat_at__lt=stale_before
        ).update(
            status=Generation.Status.FAILED,
            stage=Generation.Stage.FAILED,
            error_kind="interrupted",
            error_message="Interrupted: the worker running this generation stopped. Try again.",
            finished_at=now,
        )
