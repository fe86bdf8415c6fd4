"""After a generation the cost OpenRouter reported replaces the reservation; a failure releases it.
Against the stand-in over real HTTP."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from imagegen import services
from imagegen.models import Generation
from team import selectors
from team.tests.helpers import FLUX, GEMINI
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db(transaction=True)


def create(member, model, prompt, count=1) -> Generation:
    return queue_generation(member, model, prompt, count=count)


def run(generation: Generation) -> Generation:
    services.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def used_this_month(member) -> Decimal:
    return selectors.member_month_used(member=member, month=selectors.month_containing())


def charged_by_openrouter(standin, generation: Generation) -> Decimal:
    total = sum(standin.charged_for(openrouter_id) for openrouter_id in generation.openrouter_ids)
    return total.quantize(Decimal("0.000001"), ROUND_HALF_UP)


def test_the_reported_cost_replaces_the_reservation(member, image_models, set_budget, standin, tag, settings):
    settings.OPENROUTER_API = "chat"  # chat completions bill the text beside the image too
    set_budget(member, "1.00")
    generation = create(member, image_models[GEMINI], f"a heron {tag}")
    assert generation.reserved_usd == Decimal("0.0387")
    assert used_this_month(member) == Decimal("0.0387")

    generation = run(generation)

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.reserved_usd == 0
    assert generation.cost_usd == charged_by_openrouter(standin, generation)
    assert generation.cost_usd != Decimal("0.0387")  # the actual cost, not the estimate
    assert used_this_month(member) == generation.cost_usd


def test_a_failure_with_no_charge_releases_the_reservation(member, image_models, set_budget, standin, tag):
    set_budget(member, "0.03")
    generation = run(create(member, image_models[FLUX], f"a bridge [fault:402] {tag}"))

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "out_of_credits"
    assert (generation.reserved_usd, generation.cost_usd) == (0, None)
    assert used_this_month(member) == 0
    # The whole budget is there again.
    assert create(member, image_models[FLUX], f"a bridge again {tag}").reserved_usd == Decimal("0.03")


@pytest.mark.parametrize("fault", ["midstream-early", "truncate", "noimage", "svg"])
def test_every_failure_path_settles(member, image_models, fault, tag):
    generation = run(create(member, image_models[FLUX], f"a lake [fault:{fault}] {tag}"))
    assert generation.status == Generation.Status.FAILED
    assert generation.reserved_usd == 0


def test_a_partial_success_costs_what_the_images_that_arrived_cost(member, image_models, standin, tag):
    generation = run(create(member, image_models[GEMINI], f"two pears [fault:truncate-once] {tag}", count=2))

    assert generation.error_kind == "partial"
    assert generation.reserved_usd == 0
    assert generation.cost_usd == charged_by_openrouter(standin, generation) > 0
    assert len(generation.openrouter_ids) == 1


def _stale(generation: Generation) -> None:
    long_ago = timezone.now() - timedelta(hours=1)
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.RUNNING, heartbeat_at=long_ago, request_sent_at=long_ago, started_at=long_ago
    )


def test_recovery_releases_the_reservation_of_an_interrupted_generation(member, image_models):
    generation = create(member, image_models[FLUX], "a lost ship", count=2)
    _stale(generation)

    services.generations_recover()

    generation.refresh_from_db()
    assert (generation.status, generation.error_kind) == (Generation.Status.FAILED, "interrupted")
    assert (generation.reserved_usd, generation.cost_usd) == (0, None)


def test_recovery_settles_with_the_cost_of_the_images_that_landed(member, image_models, make_image):
    generation = create(member, image_models[FLUX], "a found ship", count=2)
    make_image(owner=member, generation=generation, cost_usd=Decimal("0.031"))
    _stale(generation)

    services.generations_recover()

    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert (generation.reserved_usd, generation.cost_usd) == (0, Decimal("0.031"))
    assert used_this_month(member) == Decimal("0.031")


def test_a_requeued_generation_keeps_its_reservation(member, image_models):
    generation = create(member, image_models[FLUX], "a patient ship")
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    services.generations_recover()

    generation.refresh_from_db()
    assert generation.status == Generation.Status.QUEUED  # never sent: it will run again
    assert generation.reserved_usd == Decimal("0.03")
