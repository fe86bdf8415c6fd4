"""Writes for team controls: admitting generations against budgets and limits, and invites. Reads live in
selectors.py.

Admission runs inside the transaction that creates the Generation (imagegen.services.generation_create,
through the seam in imagegen/admission.py) and first locks the member's MemberBudget row. Every count it
makes — the month's spending and open reservations, generations in progress, submissions in the last
minute — comes from the database, and the lock is held until the new row (with its reservation)
commits; so the limits hold for any number of web processes on any number of machines. On SQLite the
IMMEDIATE transaction mode serialises writers, which gives the same guarantee.
"""

import math
from datetime import timedelta
from decimal import Decimal

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.money import usd
from core.tokens import new_token, token_hash
from imagegen.exceptions import GenerationRefused
from imagegen.models import Generation, ImageModel
from imagegen.pricing import Estimate
from team import selectors
from team.models import Invite, MemberBudget, PasswordReset

RATE_WINDOW = timedelta(minutes=1)
INVITE_LIFETIME = timedelta(days=7)
PASSWORD_RESET_LIFETIME = timedelta(days=1)


# --- admission --------------------------------------------------------------------------------------
# Plugged into imagegen through settings.GENERATION_ADMISSION (imagegen/admission.py).


class AdmissionRefused(GenerationRefused):
    """Over budget or over a limit. `retry_after_seconds`: when trying again can help (None: not soon)."""

    def __init__(self, message: str, *, field: str | None = None, retry_after_seconds: int | None = None):
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds


class OverBudget(AdmissionRefused):
    pass


class PriceUnknown(AdmissionRefused):
    pass


class TooManyRunning(AdmissionRefused):
    pass


class TooManySubmissions(AdmissionRefused):
    pass


def generation_admit(*, member, model: ImageModel, estimate: Estimate | None) -> Decimal:
    """Reserve the most this request may cost, or refuse it with what is left and when to try again.

    Returns the amount to store in the new Generation's `reserved_usd`. Must run inside the transaction
    that creates that Generation, so the reservation is visible to the next submission the moment the
    lock taken here is released.
    """
    budget = _lock_member(member=member)
    now = timezone.now()  # after the lock, which may have been waited for

    worst_case = None if estimate is None else estimate.reserve
    limit = selectors.limit_of(budget)
    if limit is not None:
        if worst_case is None:
            raise PriceUnknown(
                f"{model.name} has no known price, so Easel cannot reserve it against your budget. "
                "Pick another model, or ask an admin to price it in the admin (Image models → "
                "“override: pricing lines”).",
                field="model",
            )
        month = selectors.month_containing(now)
        used = selectors.member_month_used(member=member, month=month)
        left = max(limit - used, Decimal(0))
        if worst_case > left:
            raise OverBudget(_over_budget_message(worst_case, left, limit, month))

    # One read for both limits: the member's unfinished generations and those of the last minute.
    window_start = now - RATE_WINDOW
    open_or_recent = (
        Generation.objects.filter(member=member)
        .filter(Q(status__in=selectors.IN_PROGRESS) | Q(created_at__gt=window_start))
        .values_list("status", "created_at")
    )
    in_progress, recent = 0, []
    for status, created_at in open_or_recent:
        in_progress += status in selectors.IN_PROGRESS
        if created_at > window_start:
            recent.append(created_at)
    recent.sort()
    if in_progress >= settings.MAX_RUNNING_PER_MEMBER:
        raise TooManyRunning(
            f"You already have {in_progress} generations queued or running; the limit is "
            f"{settings.MAX_RUNNING_PER_MEMBER} at a time. Try again when one of them finishes."
        )

    allowed = settings.MAX_SUBMISSIONS_PER_MINUTE
    if len(recent) >= allowed:
        # The window frees a place when the submission that keeps it full turns a minute old.
        frees_at = recent[len(recent) - allowed] + RATE_WINDOW
        wait = max(1, math.ceil((frees_at - now).total_seconds()))
        raise TooManySubmissions(
            f"You have submitted {len(recent)} generations in the last minute; the limit is {allowed} a "
            f"minute. Try again in {wait} second{'s' if wait != 1 else ''}.",
            retry_after_seconds=wait,
        )
    return worst_case or Decimal(0)


def _lock_member(*, member) -> MemberBudget:
    """Take the member's lock row (created on first use) until the surrounding transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("generation_admit must run inside the transaction that creates the generation.")
    budget, _created = MemberBudget.objects.select_for_update().get_or_create(member=member)
    return budget


def _over_budget_message(worst_case: Decimal, left: Decimal, limit: Decimal, month) -> str:
    resets = selectors.date_label(month.end.date())
    if left <= 0:
        return (
            f"Your monthly budget of {usd(limit)} is used up. It resets on {resets}; "
            "an admin can raise it before then."
        )
    return (
        # Prices to the hundredth of a cent, so "$0.04 left, this costs $0.04" cannot happen.
        f"This request could cost up to {usd(worst_case, price=True)}, but only {usd(left, price=True)} of "
        f"your monthly budget of "
        f"{usd(limit)} is left. Ask for fewer or smaller images, or wait until the budget resets on {resets}."
    )


# --- invites -----------------------------------------------------------------------------------------


class InviteUnusable(Exception):
    """Unknown, used or expired: the invite page answers all three with the same 404."""


class UsernameTaken(Exception):
    pass


def invite_create(*, created_by, note: str = "") -> tuple[Invite, str]:
    """A new invite and its token. The token is returned once and never stored (only its hash is)."""
    token = new_token()
    now = timezone.now()
    invite = Invite.objects.create(
        token_hash=token_hash(token),
        note=note.strip(),
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    return invite, token


def invite_usable(*, token: str) -> Invite:
    """The open invite for this token, or InviteUnusable."""
    invite = Invite.objects.filter(
        token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if invite is None:
        raise InviteUnusable
    return invite


def invite_accept(*, token: str, username: str, password: str):
    """Create the member and use up the invite, in one transaction; a second use gets InviteUnusable.

    `password` must already have passed the password validators (the sign-up form checks it).
    """
    with transaction.atomic():
        now = timezone.now()
        # Locked, so two simultaneous sign-ups with one link queue here and the second finds it used.
        invite = (
            Invite.objects.select_for_update()
            .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if invite is None:
            raise InviteUnusable
        try:
            with transaction.atomic():
                member = get_user_model().objects.create_user(username=username, password=password)
        except IntegrityError:
            raise UsernameTaken from None
        claimed = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).update(
            used_at=now, used_by=member
        )
        if claimed != 1:
            raise InviteUnusable
    return member


def invites_revoke(*, invites) -> int:
    """Make open invites unusable now (used ones stay as they were, for the record)."""
    now = timezone.now()
    return invites.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)


# --- password resets -------------------------------------------------------------------------------


class PasswordResetUnusable(Exception):
    """Unknown, used or expired: all look the same."""


def password_reset_create(*, member, created_by) -> tuple[PasswordReset, str]:
    """A new one-time link for `member` and its token, returned once and never stored (only its hash)."""
    token = new_token()
    now = timezone.now()
    reset = PasswordReset.objects.create(
        token_hash=token_hash(token),
        member=member,
        created_by=created_by,
        created_at=now,
        expires_at=now + PASSWORD_RESET_LIFETIME,
    )
    return reset, token


def password_reset_usable(*, token: str) -> PasswordReset:
    reset = (
        PasswordReset.objects.select_related("member")
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .filter(member__is_active=True)
        .first()
    )
    if reset is None:
        raise PasswordResetUnusable
    return reset


def password_reset_use(*, token: str, password: str):
    """Set the member's new password and use up the link (and any other open one for them), in one
    transaction; a second use gets PasswordResetUnusable. `password` has passed the validators already.

    A new password changes the member's session hash, so every session they had is signed out. Their
    sign-in lockout (django-axes) is lifted: whoever holds the link was let back in by staff."""
    with transaction.atomic():
        now = timezone.now()
        reset = (
            PasswordReset.objects.select_for_update()
            .select_related("member")
            .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now)
            .filter(member__is_active=True)
            .first()
        )
        if reset is None:
            raise PasswordResetUnusable
        member = reset.member
        member.set_password(password)
        member.save(update_fields=["password"])
        PasswordReset.objects.filter(member=member, used_at__isnull=True).update(used_at=now)
    axes_reset(username=member.get_username())
    return member


def password_resets_revoke(*, resets) -> int:
    now = timezone.now()
    return resets.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)


def member_sign_in_unlock(*, usernames: list[str]) -> int:
    """Lift django-axes lockouts for these members: their username's failure records go (which also
    lowers the count of the addresses they came from). Returns how many records went."""
    return sum(axes_reset(username=username) or 0 for username in usernames)
