"""The Generate page's notice: a member whose queued generations wait while no worker is alive is told
so, and the page's poll (one request for all live cards) brings the notice and takes it away."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagegen import services
from imagegen.models import Generation
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
NOTICE = "No worker is running: your generations will start when it is back."


def beat(*, seconds_ago: float = 0) -> None:
    services.worker_heartbeat(
        identity=services.WorkerIdentity(
            worker_id="worker-a", host="easel-1", pid=4242, started_at=timezone.now()
        ),
        now=timezone.now() - timedelta(seconds=seconds_ago),
    )


def notice_region(html: str) -> str:
    return re.search(r'<div id="worker-notice".*?</div>', html, re.S).group(0)


@pytest.fixture
def queued(member, image_models):
    return queue_generation(member, image_models[GEMINI], "a queued harbour")


@pytest.mark.parametrize(
    "workers",
    [
        pytest.param([], id="no worker ever"),
        pytest.param(["stale"], id="a stale worker"),
        pytest.param(["stopped"], id="a stopped worker"),
    ],
)
def test_queued_generations_without_a_live_worker_show_the_notice(member_client, queued, settings, workers):
    for state in workers:
        beat(seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 1 if state == "stale" else 0)
        if state == "stopped":
            services.worker_stopped(worker_id="worker-a")

    page = member_client.get("/").content.decode()
    update = member_client.get(
        "/generations/updates/", {"live": queued.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert NOTICE in notice_region(page)
    assert 'role="status"' in notice_region(page)
    assert NOTICE in notice_region(update)
    assert 'hx-swap-oob="true"' in notice_region(update)


def test_a_live_worker_takes_the_notice_away_on_the_next_poll(member_client, queued):
    assert NOTICE in member_client.get("/").content.decode()
    beat()

    update = member_client.get("/generations/updates/", {"live": queued.pk}, HTTP_HX_REQUEST="true")

    region = notice_region(update.content.decode())
    assert 'hx-swap-oob="true"' in region
    assert NOTICE not in region
    assert NOTICE not in member_client.get("/").content.decode()


def test_no_notice_when_nothing_of_the_members_waits(member_client, member, image_models):
    generation = queue_generation(member, image_models[GEMINI], "already running")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)

    page = member_client.get("/").content.decode()

    assert NOTICE not in page
    assert '<div id="worker-notice" role="status">' in page  # the region is there for the poll to fill


def test_the_poll_reads_the_workers_only_when_a_card_is_queued(member_client, member, image_models):
    generation = queue_generation(member, image_models[GEMINI], "already running")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    url = f"/generations/updates/?live={generation.pk}"

    with CaptureQueriesContext(connection) as while_running:
        member_client.get(url, HTTP_HX_REQUEST="true")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.QUEUED)
    with CaptureQueriesContext(connection) as while_queued:
        member_client.get(url, HTTP_HX_REQUEST="true")

    def worker_reads(queries):
        return [query["sql"] for query in queries.captured_queries if "imagegen_worker" in query["sql"]]

    assert worker_reads(while_running) == []
    assert len(worker_reads(while_queued)) == 1
