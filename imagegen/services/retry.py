"""Riding out a database or storage outage in the worker: a finished generation's images may already be
paid for, so a few seconds of either being unreachable must not lose them (nor ask OpenRouter again)."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from gallery.files import STORAGE_ERRORS

logger = logging.getLogger("easel.generation")


def with_database_retry[T](action: Callable[[], T], *, seconds: float | None = None) -> T:
    """Run `action`, retrying while the database is unreachable (a restart, a failover, a full disk).

    A generation's result must not be lost to a database outage of a few seconds: its images may
    already be paid for. Gives up, re-raising, after DATABASE_RETRY_SECONDS.
    """
    deadline = time.monotonic() + (settings.DATABASE_RETRY_SECONDS if seconds is None else seconds)
    delay = 0.5
    while True:
        try:
            return action()
        except (OperationalError, InterfaceError) as error:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("The database is unreachable (%s); retrying in %.1f s", error, delay)
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 5)


def with_storage_retry[T](action: Callable[[], T], *, seconds: float | None = None) -> T:
    """Run `action`, retrying while the media storage is unreachable or refusing (an S3 restart, a
    network blip). Gives up, re-raising, after STORAGE_RETRY_SECONDS. A disk's errors (a full disk) are
    not retried: they do not go away by themselves."""
    deadline = time.monotonic() + (settings.STORAGE_RETRY_SECONDS if seconds is None else seconds)
    delay = 0.5
    while True:
        try:
            return action()
        except STORAGE_ERRORS as error:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("The media storage is unreachable (%s); retrying in %.1f s", error, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5)
