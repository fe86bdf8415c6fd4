"""Budgets and rate limits hold across web processes: two real gunicorn servers on two ports, one database.

Nothing is kept in process memory: a counter per process would let each server accept its own quota.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from imagegen.models import Generation
from team.models import MemberBudget
from tests.fixtures.processes import (
    WebServer,
    easel_env,
    post_generate,
    signed_in,
    start_manage,
    stop,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

FLUX = "black-forest-labs/flux.2-pro"  # $0.03 an image


@pytest.fixture
def web_servers(tmp_path):
    """Start two servers with the given limits; stopped at the end of the test."""
    started: list[WebServer] = []

    def start(**env: str) -> tuple[WebServer, WebServer]:
        pair = (WebServer(tmp_path / "web-a.log", **env), WebServer(tmp_path / "web-b.log", **env))
        started.extend(pair)
        for server in pair:
            server.wait_until_ready()
        return pair

    yield start
    for server in started:
        stop(server.process)


def test_the_per_minute_limit_is_shared_by_two_web_servers(member, image_models, web_servers, tag):
    a, b = web_servers(EASEL_MAX_SUBMISSIONS_PER_MINUTE="4", EASEL_MAX_RUNNING_PER_MEMBER="100")
    auth = signed_in(member)

    results = []
    for n in range(10):
        server = (a, b)[n % 2]
        response = post_generate(server, auth, image_models[FLUX], f"a tide {n} {tag}", key=f"tide-{n}")
        results.append((server, response))

    accepted = [server for server, response in results if response.status_code == 200]
    refused = [(server, response) for server, response in results if response.status_code == 422]
    assert len(accepted) == 4, [r.status_code for _, r in results]
    assert accepted == [a, b, a, b]  # each server accepted only 2: they count together
    assert {server for server, _ in refused} == {a, b}
    for _, response in refused:
        assert "the limit is 4 a minute. Try again in" in response.text
    assert Generation.objects.filter(member=member).count() == 4


def test_a_budget_holds_against_concurrent_submissions_to_two_servers(
    member, image_models, web_servers, standin, tmp_path, tag
):
    MemberBudget.objects.create(member=member, monthly_limit_usd=Decimal("0.15"))  # five FLUX images
    a, b = web_servers(EASEL_MAX_SUBMISSIONS_PER_MINUTE="100", EASEL_MAX_RUNNING_PER_MEMBER="100")
    auth = signed_in(member)
    start = threading.Barrier(20)

    def submit(n: int) -> int:
        start.wait()
        server = (a, b)[n % 2]
        return post_generate(
            server, auth, image_models[FLUX], f"a regatta {n} {tag}", key=f"regatta-{n}"
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(submit, range(20)))

    assert sorted(statuses) == [200] * 5 + [422] * 15
    assert sum(g.reserved_usd for g in Generation.objects.filter(member=member)) == Decimal("0.15")

    worker = start_manage(
        "run_worker", env=easel_env(EASEL_WORKER_POLL_SECONDS="0.05"), log=tmp_path / "worker.log"
    )
    try:
        wait_for(
            lambda: all(g.is_finished for g in Generation.objects.filter(member=member)),
            timeout=60,
            message="the admitted generations to finish",
        )
    finally:
        stop(worker)
    assert len(standin.requests_for(tag)) == 5
    finished = list(Generation.objects.filter(member=member))
    assert {g.status for g in finished} == {Generation.Status.SUCCEEDED}, (
        tmp_path / "worker.log"
    ).read_text()
    assert sum(g.cost_usd for g in finished) == Decimal("0.15")
    assert sum(g.reserved_usd for g in finished) == 0
