"""/healthz says how the queue is doing without changing what its status means; /healthz/work is the
monitoring answer to "is queued work stuck with no worker to run it?"."""

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.utils import timezone

from imagegen import services
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
WORK_FIELDS = {"worker_heartbeat_age_seconds", "oldest_queued_seconds", "live_workers"}


def beat(*, seconds_ago: float = 0) -> None:
    services.worker_heartbeat(
        identity=services.WorkerIdentity(
            worker_id="worker-a", host="easel-1", pid=4242, started_at=timezone.now()
        ),
        now=timezone.now() - timedelta(seconds=seconds_ago),
    )


@pytest.fixture
def waited(member, image_models):
    """A generation queued `seconds` ago (the clock moved on, nothing ran it)."""

    def queue(seconds: float):
        with time_machine.travel(timezone.now() - timedelta(seconds=seconds), tick=False):
            return queue_generation(member, image_models[GEMINI], "waiting for a worker")

    return queue


def test_healthz_ages_the_newest_heartbeat_and_the_oldest_queued_generation(client, waited):
    waited(300)
    beat(seconds_ago=90)

    body = client.get("/healthz").json()

    assert 89 <= body["worker_heartbeat_age_seconds"] <= 120
    assert 299 <= body["oldest_queued_seconds"] <= 330
    assert body["live_workers"] == 0


def test_healthz_stays_200_while_work_is_stuck_so_web_health_checks_do_not_flap(client, waited):
    waited(3600)  # no worker at all, for an hour

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_counts_live_workers(client):
    beat()
    assert client.get("/healthz").json()["live_workers"] == 1


def test_work_is_fine_with_nothing_queued_and_no_worker(client):
    response = client.get("/healthz/work")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["reason"] == "No worker is alive, but nothing is waiting for one."


def test_work_is_stuck_once_queued_work_waits_past_the_threshold_with_no_live_worker(
    client, waited, settings
):
    settings.STUCK_QUEUE_SECONDS = 120
    waited(200)
    beat(seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 1)  # a worker that died: stale, not alive

    response = client.get("/healthz/work")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "stuck"
    assert body["reason"].startswith("Queued work has waited 2")
    assert "(over 120 s) and no worker is alive to run it." in body["reason"]
    assert set(body) == {"status", "reason"} | WORK_FIELDS  # nothing private in it
    assert body["live_workers"] == 0


def test_work_waiting_less_than_the_threshold_is_not_stuck_yet(client, waited, settings):
    settings.STUCK_QUEUE_SECONDS = 120
    waited(60)

    response = client.get("/healthz/work")

    assert response.status_code == 200
    assert response.json()["reason"].startswith("No worker is alive; queued work has waited 6")


def test_work_with_a_live_worker_is_not_stuck_however_long_the_queue(client, waited, settings):
    settings.STUCK_QUEUE_SECONDS = 120
    waited(3600)
    beat()

    response = client.get("/healthz/work")

    assert response.status_code == 200
    assert response.json()["reason"] == "1 worker alive."


def test_work_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("config.views.imagegen_selectors.work_health", broken)

    response = client.get("/healthz/work")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "The database does not answer."}
