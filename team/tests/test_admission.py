"""Admission: the budget, the running limit and the submissions-per-minute limit, checked before any
upstream call, with messages that say how much is left, when it resets and when to try again."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from imagegen import services
from imagegen.models import Generation
from imagegen.services import ReferenceInput
from team import selectors
from team import services as team_services
from team.tests.helpers import FLUX, GEMINI, KLEIN
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db

JULY_15 = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def submit(member, model, *, count=1, image_size=None, prompt="a lighthouse", **extra) -> Generation:
    if image_size is None:
        image_size = "1K" if model.offer().supports("resolution") else ""
    return services.generation_create(
        member=member,
        model=model,
        prompt=prompt,
        aspect_ratio="1:1",
        image_size=image_size,
        count=count,
        **extra,
    )


def finish(generation: Generation, *, cost: str | None) -> None:
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.SUCCEEDED,
        reserved_usd=0,
        cost_usd=None if cost is None else Decimal(cost),
    )


def test_an_admitted_request_reserves_its_worst_case_cost(member, image_models, set_budget):
    set_budget(member, "1.00")
    generation = submit(member, image_models[FLUX], count=3)

    assert generation.reserved_usd == Decimal("0.09")
    assert Generation.objects.get(pk=generation.pk).reserved_usd == Decimal("0.09")
    estimate = services.generation_estimate(model=image_models[FLUX], image_size="1K", count=3)
    assert generation.reserved_usd == estimate.reserve


def test_the_reservation_follows_the_price_of_the_size_asked_for(member, image_models, set_budget):
    set_budget(member, "5.00")
    model = image_models["google/gemini-3-pro-image-preview"]
    one_k = submit(member, model, image_size="1K")
    four_k = submit(member, model, image_size="4K")
    # The providers' pricing lines: $0.134 an image at 1K and 2K, $0.24 at 4K.
    assert (one_k.reserved_usd, four_k.reserved_usd) == (Decimal("0.134"), Decimal("0.24"))


@time_machine.travel(JULY_15, tick=False)
def test_over_budget_says_how_much_is_left_and_when_it_resets(member, image_models, set_budget, standin):
    set_budget(member, "0.10")
    finish(submit(member, image_models[FLUX]), cost="0.05")  # spent
    submit(member, image_models[FLUX])  # still running: $0.03 reserved
    calls = standin.chat_request_count

    with pytest.raises(team_services.OverBudget) as refused:
        submit(member, image_models[FLUX])

    assert refused.value.message == (
        "This request could cost up to $0.03, but only $0.02 of your monthly budget of $0.10 is left. "
        "Ask for fewer or smaller images, or wait until the budget resets on 1 Aug 2026."
    )
    assert refused.value.field is None  # shown at the top of the form
    assert Generation.objects.count() == 2
    assert DBTaskResult.objects.count() == 2
    assert standin.chat_request_count == calls


@time_machine.travel(JULY_15, tick=False)
def test_a_used_up_budget_says_so(member, image_models, set_budget):
    set_budget(member, "0.03")
    finish(submit(member, image_models[FLUX]), cost="0.03")
    with pytest.raises(team_services.OverBudget) as refused:
        submit(member, image_models[KLEIN])
    assert refused.value.message == (
        "Your monthly budget of $0.03 is used up. It resets on 1 Aug 2026; an admin can raise it before then."
    )


def test_a_request_that_uses_exactly_what_is_left_is_admitted(member, image_models, set_budget):
    set_budget(member, "0.09")
    submit(member, image_models[FLUX], count=2)
    assert submit(member, image_models[FLUX]).reserved_usd == Decimal("0.03")
    with pytest.raises(team_services.OverBudget):
        submit(member, image_models[KLEIN])


def test_a_zero_budget_stops_all_spending(member, image_models, set_budget):
    set_budget(member, "0")
    with pytest.raises(team_services.OverBudget):
        submit(member, image_models[KLEIN])


def test_blank_budget_uses_the_team_default(member, other_member, image_models, set_budget, settings):
    settings.TEAM_MONTHLY_BUDGET_USD = "0.05"
    set_budget(other_member, "1.00")  # their own limit wins over the default
    submit(member, image_models[FLUX])
    with pytest.raises(team_services.OverBudget, match=r"of your monthly budget of \$0\.05 is left"):
        submit(member, image_models[FLUX])
    submit(other_member, image_models[FLUX])
    submit(other_member, image_models[FLUX])


def test_blank_budget_and_blank_default_mean_unlimited(member, image_models, settings):
    settings.TEAM_MONTHLY_BUDGET_USD = None
    settings.MAX_RUNNING_PER_MEMBER = 50
    for _ in range(10):
        submit(member, image_models[FLUX], count=4)
    assert selectors.member_budget_status_if_limited(member=member) is None
    # Still reserved, so a budget set later counts the generations in progress.
    assert selectors.member_month_used(member=member, month=selectors.month_containing()) == Decimal("1.20")


def test_a_budget_counts_only_the_members_own_spending(member, other_member, image_models, set_budget):
    set_budget(member, "0.03")
    finish(submit(other_member, image_models[FLUX], count=4), cost="0.12")
    submit(member, image_models[FLUX])


def test_a_new_month_starts_with_the_whole_budget(member, image_models, set_budget, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    set_budget(member, "0.03")
    with time_machine.travel(datetime(2026, 7, 31, 21, 0, tzinfo=UTC), tick=False):  # 23:00 in Berlin
        finish(submit(member, image_models[FLUX]), cost="0.03")
        with pytest.raises(team_services.OverBudget, match="resets on 1 Aug 2026"):
            submit(member, image_models[FLUX])
    with time_machine.travel(datetime(2026, 7, 31, 22, 0, 1, tzinfo=UTC), tick=False):  # August in Berlin
        assert submit(member, image_models[FLUX]).reserved_usd == Decimal("0.03")


def test_a_model_without_a_price_is_refused_only_under_a_budget(
    member, other_member, image_models, set_budget
):
    model = image_models[FLUX]
    for provider in model.providers:  # no line prices the image itself
        provider["pricing"] = [line for line in provider["pricing"] if line["billable"] != "output_image"]
    model.save()
    set_budget(member, "10.00")

    with pytest.raises(team_services.PriceUnknown) as refused:
        submit(member, model)
    assert refused.value.field == "model"
    assert "has no known price" in refused.value.message
    assert "ask an admin to price it in the admin" in refused.value.message

    assert submit(other_member, model).reserved_usd == 0  # unlimited: nothing to protect


def test_at_most_n_generations_in_progress_per_member(member, other_member, image_models, settings):
    settings.MAX_RUNNING_PER_MEMBER = 2
    first = submit(member, image_models[FLUX])
    second = submit(member, image_models[FLUX])
    Generation.objects.filter(pk=second.pk).update(status=Generation.Status.RUNNING)

    with pytest.raises(team_services.TooManyRunning) as refused:
        submit(member, image_models[FLUX])
    assert refused.value.message == (
        "You already have 2 generations queued or running; the limit is 2 at a time. "
        "Try again when one of them finishes."
    )
    submit(other_member, image_models[FLUX])  # a limit per member

    finish(first, cost="0.03")
    submit(member, image_models[FLUX])


def test_at_most_m_submissions_a_minute_with_when_to_try_again(member, other_member, image_models, settings):
    settings.MAX_SUBMISSIONS_PER_MINUTE = 3
    settings.MAX_RUNNING_PER_MEMBER = 50
    with time_machine.travel(JULY_15, tick=False) as clock:
        for _ in range(3):
            submit(member, image_models[KLEIN])
            clock.shift(timedelta(seconds=10))
        # now = +30 s; the first submission leaves the window at +60 s
        with pytest.raises(team_services.TooManySubmissions) as refused:
            submit(member, image_models[KLEIN])
        assert refused.value.message == (
            "You have submitted 3 generations in the last minute; the limit is 3 a minute. "
            "Try again in 30 seconds."
        )
        assert refused.value.retry_after_seconds == 30
        submit(other_member, image_models[KLEIN])

        clock.shift(timedelta(seconds=29))
        with pytest.raises(team_services.TooManySubmissions, match="Try again in 1 second\\."):
            submit(member, image_models[KLEIN])
        clock.shift(timedelta(seconds=1, microseconds=1))
        submit(member, image_models[KLEIN])
        with pytest.raises(team_services.TooManySubmissions, match="Try again in 10 seconds"):
            submit(member, image_models[KLEIN])


def test_a_repeated_submission_returns_the_first_without_counting_again(member, image_models, settings):
    settings.MAX_SUBMISSIONS_PER_MINUTE = 1
    first = submit(member, image_models[KLEIN], submission_key="k1")
    assert submit(member, image_models[KLEIN], submission_key="k1") == first
    with pytest.raises(team_services.TooManySubmissions):
        submit(member, image_models[KLEIN], submission_key="k2")


def test_a_refusal_leaves_no_reference_file_behind(member, image_models, set_budget, settings):
    set_budget(member, "0")
    reference = ReferenceInput(
        data=png_bytes(), mime_type="image/png", image_format="PNG", width=64, height=64
    )
    with pytest.raises(team_services.OverBudget):
        submit(member, image_models[GEMINI], references=[reference])
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_admission_outside_a_transaction_is_a_programming_error(member, image_models):
    # Without the surrounding transaction the lock would end at once (and SQLite would take none).
    estimate = services.generation_estimate(model=image_models[FLUX], image_size="1K")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        team_services.generation_admit(member=member, model=image_models[FLUX], estimate=estimate)
