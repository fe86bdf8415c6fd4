"""EASEL_DATABASE_POOL_SIZE on PostgreSQL: a worker's threads share a few connections.

Found running bench_generate.py with 100 worker threads: each thread kept a connection while its
generation waited on OpenRouter, so the worker alone needed more than PostgreSQL's default 100. With the
pool, a thread gives its connection back for the wait and borrows one for the answer's rows."""

import time

import pytest
from django.db import connection

from imagegen.models import Generation
from tests.fixtures.generations import queue_generation
from tests.fixtures.processes import easel_env, start_manage, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


def connections_named(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return cursor.fetchone()[0]


def test_a_pooled_worker_holds_no_more_than_its_pool_while_its_generations_wait_upstream(
    member, image_models, tmp_path, tag, settings
):
    if connection.vendor == "sqlite":
        pytest.skip("A connection pool is for PostgreSQL's connection limit: SQLite is a file, with none")
    settings.MAX_RUNNING_PER_MEMBER = 12
    generations = [
        queue_generation(member, image_models[GEMINI], f"pooled tide {n} {tag} [latency:4]")
        for n in range(12)
    ]
    # libpq names the worker's connections so (PGAPPNAME), whichever thread or pool opened them.
    name = f"easel-pool-{tag}"[:63]
    env = easel_env(EASEL_DATABASE_POOL_SIZE="3", EASEL_WORKER_POLL_SECONDS="0.05", PGAPPNAME=name)
    worker = start_manage("run_worker", "--threads", "12", env=env, log=tmp_path / "worker.log")
    held = []
    try:
        wait_for(
            lambda: (
                Generation.objects.filter(
                    pk__in=[g.pk for g in generations], request_sent_at__isnull=False
                ).count()
                == 12
            ),
            timeout=60,
            message="all 12 requests to be sent",
        )
        # The 12 requests wait 4 s upstream, together.
        while Generation.objects.filter(
            pk__in=[g.pk for g in generations], finished_at__isnull=True
        ).exists():
            held.append(connections_named(name))
            time.sleep(0.05)
    finally:
        stop(worker)

    log = (tmp_path / "worker.log").read_text()
    statuses = set(
        Generation.objects.filter(pk__in=[g.pk for g in generations]).values_list("status", flat=True)
    )
    assert statuses == {Generation.Status.SUCCEEDED}, log
    assert len(held) > 10, f"counted while the 12 waited upstream: {held}"
    assert max(held) >= 1, f"the worker's connections are named {name!r}: {held}"
    # Together, not three at a time: 12 generations of 4 s take about 5 s, three by three at least 16 s.
    finished = Generation.objects.filter(pk__in=[g.pk for g in generations])
    span = max(g.finished_at for g in finished) - min(g.started_at for g in finished)
    assert span.total_seconds() < 12, log
    assert max(held) <= 3, f"connections held by a worker with a pool of 3, while 12 ran: {held}\n{log}"
