"""Riding out a database outage in the worker: a finished generation's images may already be paid for."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

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
