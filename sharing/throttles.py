"""Rate limits whose counts live in the database, so they hold across web processes and machines.

Each (scope, key) has one counter row per fixed time window. Charging is an atomic UPDATE … SET count =
count + 1 inside a transaction, which serialises concurrent charges on SQLite (IMMEDIATE transactions)
and on PostgreSQL (the row lock), so every charge sees a distinct count. Fixed windows allow at most twice
the limit across a window boundary; that is the price of one row per key instead of one row per attempt.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sharing.models import RateLimitCounter


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends; 0 when allowed
    window_start: datetime | None = None  # the window charged (for refund)


def lookup_failures() -> Throttle:
    """Failed share-link look-ups per client address (IPv6: per /64). Links that open cost nothing."""
    return Throttle("share-lookup", settings.SHARE_LOOKUP_FAILURE_LIMIT, settings.SHARE_LOOKUP_WINDOW_SECONDS)


def password_attempts() -> Throttle:
    """Wrong password tries per link and client address (IPv6: per /64)."""
    return Throttle(
        "share-password", settings.SHARE_PASSWORD_ATTEMPT_LIMIT, settings.SHARE_PASSWORD_WINDOW_SECONDS
    )


def password_attempts_per_link() -> Throttle:
    """Wrong password tries per link from all addresses together: rotating addresses gains nothing."""
    return Throttle(
        "share-password-link", settings.SHARE_PASSWORD_LINK_LIMIT, settings.SHARE_PASSWORD_WINDOW_SECONDS
    )


def check(throttle: Throttle, *, key: str, now: datetime | None = None) -> Verdict:
    """Whether `key` may try again, without counting this request (a read)."""
    now = now or timezone.now()
    start = _window_start(throttle, now)
    count = (
        RateLimitCounter.objects.filter(scope=throttle.scope, key=key, window_start=start)
        .values_list("count", flat=True)
        .first()
    )
    return _verdict(throttle, count=count or 0, allowed_up_to=throttle.limit - 1, start=start, now=now)


def charge(throttle: Throttle, *, key: str, now: datetime | None = None) -> Verdict:
    """Count one attempt for `key`, then say whether it is within the limit."""
    now = now or timezone.now()
    start = _window_start(throttle, now)
    counter = RateLimitCounter.objects.filter(scope=throttle.scope, key=key, window_start=start)
    with transaction.atomic():
        if not counter.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(
                        scope=throttle.scope, key=key, window_start=start, count=1
                    )
            except IntegrityError:  # another process created it first: count on its row
                counter.update(count=F("count") + 1)
            else:
                # A new window began for this key: a good moment to drop the scope's finished windows.
                RateLimitCounter.objects.filter(scope=throttle.scope, window_start__lt=start).delete()
        count = counter.values_list("count", flat=True).get()
    verdict = _verdict(throttle, count=count, allowed_up_to=throttle.limit, start=start, now=now)
    return Verdict(allowed=verdict.allowed, retry_after=verdict.retry_after, window_start=start)


def refund(throttle: Throttle, *, key: str, charged: Verdict) -> None:
    """Take back one charge that turned out not to be a failure (the right password).

    Charging first and refunding a success keeps parallel guesses from slipping past the limit while
    counting only failures, so people who know the password never use up the limit for others.
    """
    RateLimitCounter.objects.filter(
        scope=throttle.scope, key=key, window_start=charged.window_start, count__gt=0
    ).update(count=F("count") - 1)


def _window_start(throttle: Throttle, now: datetime) -> datetime:
    seconds = int(now.timestamp()) // throttle.window_seconds * throttle.window_seconds
    return datetime.fromtimestamp(seconds, tz=now.tzinfo)


def _verdict(
    throttle: Throttle, *, count: int, allowed_up_to: int, start: datetime, now: datetime
) -> Verdict:
    if count <= allowed_up_to:
        return Verdict(allowed=True, retry_after=0)
    window_end = start + timedelta(seconds=throttle.window_seconds)
    return Verdict(allowed=False, retry_after=max(1, math.ceil((window_end - now).total_seconds())))
