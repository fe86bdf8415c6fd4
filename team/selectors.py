"""Reads for team controls: budgets and what is left of them, the spend dashboard, the generation log.

Spending is counted by the month a generation was submitted in (the site's time zone): its settled
cost (`cost_usd`, what OpenRouter reported) plus, while it runs, its reservation (`reserved_usd`).
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format

import openrouter
from core.money import stored
from gallery.models import Image
from imagegen.client import openrouter_client
from imagegen.models import Generation, error_kind_label
from imagegen.selectors import MONEY, ZERO, money_total
from team.models import MemberBudget

logger = logging.getLogger("easel.team")

IN_PROGRESS = (Generation.Status.QUEUED, Generation.Status.RUNNING)
# The dashboard must answer quickly even when OpenRouter does not.
KEY_INFO_TIMEOUT_SECONDS = 3.0

# --- months ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """A calendar month in the site's time zone: [start, end)."""

    year: int
    month: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return self.next.start

    @property
    def next(self) -> "Month":
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def previous(self) -> "Month":
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def days(self) -> list[date]:
        last = calendar.monthrange(self.year, self.month)[1]
        return [date(self.year, self.month, day) for day in range(1, last + 1)]

    def generations(self) -> QuerySet[Generation]:
        return Generation.objects.filter(created_at__gte=self.start, created_at__lt=self.end)


def month_containing(moment: datetime | None = None) -> Month:
    local = timezone.localtime(moment or timezone.now())
    return Month(local.year, local.month)


def date_label(day: date) -> str:
    """A day in Easel's one date format ("1 Aug 2026", core/formats/)."""
    return date_format(day)


# --- budgets -----------------------------------------------------------------------------------------


def team_default_limit() -> Decimal | None:
    value = settings.TEAM_MONTHLY_BUDGET_USD
    return None if value in (None, "") else Decimal(str(value))


def monthly_limit(*, member) -> Decimal | None:
    """The member's own limit, else the team default; None means unlimited."""
    return limit_of(MemberBudget.objects.filter(member=member).first())


def limit_of(budget: MemberBudget | None) -> Decimal | None:
    """monthly_limit() for a MemberBudget row already read."""
    own = budget.monthly_limit_usd if budget is not None else None
    return own if own is not None else team_default_limit()


def _used_expression():
    """Settled cost plus open reservation, per generation row (one row is updated in one statement)."""
    return Coalesce(F("cost_usd"), Value(ZERO), output_field=MONEY) + F("reserved_usd")


def member_month_used(*, member, month: Month) -> Decimal:
    """What counts against the member's budget this month: settled costs and open reservations."""
    total = (
        month.generations()
        .filter(member=member)
        .aggregate(used=Sum(ExpressionWrapper(_used_expression(), output_field=MONEY)))["used"]
    )
    return stored(total or ZERO)


@dataclass(frozen=True)
class BudgetStatus:
    limit: Decimal | None
    used: Decimal
    resets_on: date

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def left(self) -> Decimal | None:
        return None if self.limit is None else max(self.limit - self.used, ZERO)

    @property
    def resets_label(self) -> str:
        return date_label(self.resets_on)


def member_budget_status(*, member) -> BudgetStatus:
    """The member's budget (None: unlimited) and what counts against it this month."""
    return _budget_status(member=member, limit=monthly_limit(member=member))


def member_budget_status_if_limited(*, member) -> BudgetStatus | None:
    """The member's budget when there is one to show; unlimited members skip summing the month."""
    limit = monthly_limit(member=member)
    return None if limit is None else _budget_status(member=member, limit=limit)


def _budget_status(*, member, limit: Decimal | None) -> BudgetStatus:
    month = month_containing()
    return BudgetStatus(
        limit=limit, used=member_month_used(member=member, month=month), resets_on=month.end.date()
    )


def member_month_spend(*, member, month: Month) -> tuple[Decimal, Decimal]:
    """(settled costs, open reservations) of the member's generations this month: together, what counts
    against the budget (member_month_used)."""
    totals = (
        month.generations()
        .filter(member=member)
        .aggregate(spent=Sum("cost_usd"), reserved=Sum("reserved_usd"))
    )
    return stored(totals["spent"] or ZERO), stored(totals["reserved"] or ZERO)


def member_sign_in_failures(*, username: str) -> int:
    """Failed sign-ins django-axes holds against this username (a lockout at AXES_FAILURE_LIMIT)."""
    attempts = AccessAttempt.objects.filter(username=username)
    return attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0


# --- the dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthTotals:
    generations: int
    images: int
    spend: Decimal
    reserved: Decimal
    failed: int


def month_totals(*, month: Month) -> MonthTotals:
    generations = month.generations()
    totals = generations.aggregate(
        generations=Count("id"),
        spend=money_total("cost_usd"),
        reserved=money_total("reserved_usd"),
        failed=Count("id", filter=Q(status=Generation.Status.FAILED)),
    )
    images = Image.objects.filter(generation__in=generations).count()
    return MonthTotals(
        generations=totals["generations"],
        images=images,
        spend=stored(totals["spend"]),
        reserved=stored(totals["reserved"]),
        failed=totals["failed"],
    )


@dataclass(frozen=True)
class MemberSpend:
    member_id: int
    username: str
    generations: int
    images: int
    spend: Decimal
    reserved: Decimal
    limit: Decimal | None
    own_limit: bool

    @property
    def left(self) -> Decimal | None:
        return None if self.limit is None else max(self.limit - self.spend - self.reserved, ZERO)


def spend_by_member(*, month: Month) -> list[MemberSpend]:
    """Every active member (spending or not) and everyone who spent this month, biggest spender first."""
    generations = month.generations()
    spent = {
        row["member_id"]: row
        for row in generations.order_by()
        .values("member_id")
        .annotate(
            generations=Count("id"),
            spend=money_total("cost_usd"),
            reserved=money_total("reserved_usd"),
        )
    }
    images = dict(
        Image.objects.filter(generation__in=generations)
        .order_by()
        .values("generation__member_id")
        .annotate(n=Count("id"))
        .values_list("generation__member_id", "n")
    )
    members = (
        get_user_model().objects.filter(Q(is_active=True) | Q(pk__in=spent.keys())).select_related("budget")
    )
    default = team_default_limit()
    rows = []
    for member in members:
        budget = _member_budget(member)
        own = budget.monthly_limit_usd if budget else None
        row = spent.get(member.pk, {})
        rows.append(
            MemberSpend(
                member_id=member.pk,
                username=member.get_username(),
                generations=row.get("generations", 0),
                images=images.get(member.pk, 0),
                spend=stored(row.get("spend", ZERO)),
                reserved=stored(row.get("reserved", ZERO)),
                limit=own if own is not None else default,
                own_limit=own is not None,
            )
        )
    return sorted(rows, key=lambda row: (-row.spend, -row.generations, row.username.lower()))


def _member_budget(member) -> MemberBudget | None:
    try:
        return member.budget
    except MemberBudget.DoesNotExist:
        return None


@dataclass(frozen=True)
class ModelSpend:
    model_id: int
    name: str
    generations: int
    images: int
    spend: Decimal


def spend_by_model(*, month: Month) -> list[ModelSpend]:
    generations = month.generations()
    images = dict(
        Image.objects.filter(generation__in=generations)
        .order_by()
        .values("generation__model_id")
        .annotate(n=Count("id"))
        .values_list("generation__model_id", "n")
    )
    rows = (
        generations.order_by()
        .values("model_id", "model__name")
        .annotate(generations=Count("id"), spend=money_total("cost_usd"))
    )
    result = [
        ModelSpend(
            model_id=row["model_id"],
            name=row["model__name"],
            generations=row["generations"],
            images=images.get(row["model_id"], 0),
            spend=stored(row["spend"]),
        )
        for row in rows
    ]
    return sorted(result, key=lambda row: (-row.spend, -row.generations, row.name.lower()))


@dataclass(frozen=True)
class DaySpend:
    day: date
    spend: Decimal
    generations: int

    @property
    def label(self) -> str:
        return date_label(self.day)


def daily_spend(*, month: Month) -> list[DaySpend]:
    """Every day of the month, including days with nothing spent (days in the site's time zone)."""
    rows = {
        row["day"]: row
        for row in month.generations()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("day")
        .annotate(spend=money_total("cost_usd"), generations=Count("id"))
    }
    return [
        DaySpend(
            day=day,
            spend=stored(rows.get(day, {}).get("spend", ZERO)),
            generations=rows.get(day, {}).get("generations", 0),
        )
        for day in month.days
    ]


@dataclass(frozen=True)
class FailureCount:
    kind: str
    count: int

    @property
    def label(self) -> str:
        return error_kind_label(self.kind)


def failures_by_reason(*, month: Month) -> list[FailureCount]:
    """Generations that failed, or lost some of their images, grouped by what went wrong."""
    rows = (
        month.generations()
        .exclude(error_kind="")
        .order_by()
        .values("error_kind")
        .annotate(n=Count("id"))
        .values_list("error_kind", "n")
    )
    return sorted((FailureCount(kind=kind, count=n) for kind, n in rows), key=lambda f: (-f.count, f.kind))


@dataclass(frozen=True)
class KeyUsage:
    configured: bool
    info: openrouter.KeyInfo | None = None
    problem: str = ""


def openrouter_key_usage() -> KeyUsage:
    """The key's spend and limit from OpenRouter (GET /key): one quick try; a failure is a plain message."""
    if not settings.OPENROUTER_API_KEY:
        return KeyUsage(configured=False)
    try:
        client = openrouter_client(
            connect_timeout=KEY_INFO_TIMEOUT_SECONDS,
            idle_timeout=KEY_INFO_TIMEOUT_SECONDS,
            total_timeout=KEY_INFO_TIMEOUT_SECONDS,
            max_attempts=1,
        )
        return KeyUsage(configured=True, info=client.key_info())
    except openrouter.OpenRouterError as error:
        message = openrouter.redact_secrets(error.message, settings.OPENROUTER_API_KEY)
        return KeyUsage(configured=True, problem=f"OpenRouter's key usage could not be read: {message}")
    except Exception:
        # The rest of the dashboard matters more than this panel: log it, say so, carry on.
        logger.exception("Reading the OpenRouter key's usage failed inside Easel")
        return KeyUsage(
            configured=True,
            problem="OpenRouter's key usage could not be read because of an error inside Easel (see the log).",
        )
