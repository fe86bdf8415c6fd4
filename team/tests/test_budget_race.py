"""Concurrent submissions can never together overshoot a budget: 20 at once from one member whose budget
fits 5, each from its own thread with its own database connection, through the real view."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from imagegen import services
from imagegen.models import Generation
from team import selectors
from team.tests.helpers import FLUX

pytestmark = pytest.mark.django_db(transaction=True)

SUBMISSIONS = 20
LIMIT = Decimal("0.15")  # five FLUX images at $0.03


def used(member) -> Decimal:
    return selectors.member_month_used(member=member, month=selectors.month_containing())


@pytest.mark.parametrize("budget", ["own", "team default"])
def test_twenty_concurrent_submissions_admit_only_what_the_budget_fits(
    member, image_models, set_budget, settings, standin, tag, budget
):
    settings.MAX_RUNNING_PER_MEMBER = 100
    settings.MAX_SUBMISSIONS_PER_MINUTE = 100
    if budget == "own":
        set_budget(member, str(LIMIT))
    else:  # no budget row yet: the first submissions race to create the row they lock
        settings.TEAM_MONTHLY_BUDGET_USD = str(LIMIT)
    model = image_models[FLUX]
    clients = []
    for _ in range(SUBMISSIONS):
        client = Client()
        client.force_login(member)
        clients.append(client)

    start = threading.Barrier(SUBMISSIONS + 1)
    racing = threading.Event()
    statuses: list[int] = []
    highest_seen: list[Decimal] = []

    def submit(index: int) -> None:
        try:
            start.wait()
            response = clients[index].post(
                "/",
                {
                    "prompt": f"a racing yacht {index} {tag}",
                    "model": model.pk,
                    "aspect_ratio": "1:1",
                    "image_size": "1K",
                    "count": 1,
                    "submission_key": f"race-{index}",
                },
                HTTP_HX_REQUEST="true",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    def watch() -> None:
        """Samples what is reserved while the submissions race: it must never pass the limit."""
        try:
            while racing.is_set():
                highest_seen.append(used(member))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    racing.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    start.wait()
    for thread in threads:
        thread.join(timeout=120)
    racing.clear()
    watcher.join(timeout=30)

    assert sorted(statuses) == [200] * 5 + [422] * 15
    admitted = list(Generation.objects.filter(member=member))
    assert len(admitted) == 5
    assert sum(g.reserved_usd for g in admitted) == LIMIT
    assert highest_seen
    assert max(highest_seen) <= LIMIT
    assert standin.requests_for(tag) == []  # nothing reaches OpenRouter from the web request

    for generation in admitted:
        services.generation_run(generation_id=generation.pk)

    assert len(standin.requests_for(tag)) == 5
    settled = list(Generation.objects.filter(member=member))
    assert {g.status for g in settled} == {Generation.Status.SUCCEEDED}
    assert sum(g.reserved_usd for g in settled) == 0
    assert sum(g.cost_usd for g in settled) == used(member) == LIMIT
