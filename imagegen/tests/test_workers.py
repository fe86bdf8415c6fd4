"""Workers' own heartbeats: one row per worker process, live or stale or stopped; what the selectors make
of them; the container health check built on them."""

import io
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from imagegen import selectors, services
from imagegen.models import Generation, Worker
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
NOTICE = "No worker is running: your generations will start when it is back."


def identity(worker_id="worker-a", pid=4242, host="easel-1"):
    return services.WorkerIdentity(worker_id=worker_id, host=host, pid=pid, started_at=timezone.now())


def beat(worker_id="worker-a", *, seconds_ago: float = 0, **who) -> None:
    services.worker_heartbeat(
        identity=identity(worker_id, **who), now=timezone.now() - timedelta(seconds=seconds_ago)
    )


# --- the heartbeat ------------------------------------------------------------------------------------


def test_a_heartbeat_records_the_worker_once_and_keeps_it_current(monkeypatch, django_assert_num_queries):
    me = identity()
    services.worker_heartbeat(identity=me)
    first = Worker.objects.get()
    monkeypatch.setattr("imagegen.services.run._active", set())  # nothing running: no generation update

    with time_machine.travel(timezone.now() + timedelta(seconds=10)), django_assert_num_queries(1):
        services.worker_heartbeat(identity=me)  # one upsert

    worker = Worker.objects.get()
    assert (worker.worker_id, worker.host, worker.pid, worker.running) == ("worker-a", "easel-1", 4242, 0)
    assert worker.heartbeat_at - first.heartbeat_at >= timedelta(seconds=10)
    assert worker.started_at == first.started_at
    assert worker.stopped_at is None


def test_the_heartbeat_counts_the_generations_the_worker_runs(member, image_models, monkeypatch):
    generation = queue_generation(member, image_models[GEMINI], "a mill")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING, worker_id="worker-a")
    monkeypatch.setattr("imagegen.services.run._active", {generation.pk})

    assert services.worker_heartbeat(identity=identity()) == 1

    assert Worker.objects.get().running == 1


def test_a_clean_stop_marks_the_worker_stopped_and_a_new_beat_revives_it():
    beat()
    services.worker_stopped(worker_id="worker-a")
    assert Worker.objects.get().stopped_at is not None
    assert not selectors.workers_live().exists()

    beat()

    assert Worker.objects.get().stopped_at is None
    assert selectors.workers_live().count() == 1


def test_workers_not_heard_from_for_a_week_are_forgotten_by_recovery():
    beat("old", seconds_ago=8 * 24 * 3600)
    beat("recent", seconds_ago=3600)

    services.generations_recover()

    assert list(Worker.objects.values_list("worker_id", flat=True)) == ["recent"]


# --- what the selectors say ---------------------------------------------------------------------------


def test_work_health_with_nothing_at_all_is_all_none():
    health = selectors.work_health()
    assert health.worker_heartbeat_age_seconds is None
    assert health.oldest_queued_seconds is None
    assert health.live_workers == 0
    assert not health.stuck(after_seconds=1)


def test_work_health_ages_the_newest_heartbeat_and_the_oldest_queued_generation(
    member, image_models, settings
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        queue_generation(member, image_models[GEMINI], "the oldest")
        beat("long-gone", seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 100)
        beat("recent-but-stale", seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 5)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        queue_generation(member, image_models[GEMINI], "a newer one")
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        health = selectors.work_health()

    assert health.oldest_queued_seconds == 200
    assert health.worker_heartbeat_age_seconds == settings.HEARTBEAT_STALE_SECONDS + 205
    assert health.live_workers == 0
    assert health.stuck(after_seconds=199)
    assert not health.stuck(after_seconds=200)


def test_a_live_worker_means_the_queue_is_not_stuck_however_old(member, image_models):
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        queue_generation(member, image_models[GEMINI], "waiting behind others")
    beat()

    health = selectors.work_health()

    assert health.live_workers == 1
    assert health.oldest_queued_seconds > 3500
    assert not health.stuck(after_seconds=120)


def test_workers_recent_tells_alive_stale_and_stopped(settings):
    beat("alive", pid=1)
    beat("stale", pid=2, seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 1)
    beat("stopped", pid=3)
    services.worker_stopped(worker_id="stopped")
    beat("forgotten", pid=4, seconds_ago=2 * 24 * 3600)  # over a day: not listed

    states = {worker.pid: worker.state for worker in selectors.workers_recent()}

    assert states == {1: "alive", 2: "stale", 3: "stopped"}


# --- the container health check -----------------------------------------------------------------------


def test_worker_health_fails_for_a_hung_worker_and_passes_for_a_live_one(settings):
    host = socket.gethostname()
    beat("hung", host=host, seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 1)
    beat("elsewhere", host="another-container")  # alive, but not this container's worker

    with pytest.raises(CommandError, match=r"last beat \d+ s ago: it is hung or gone"):
        call_command("worker_health")

    beat("fresh", host=host, pid=5151)
    out = io.StringIO()
    call_command("worker_health", stdout=out)
    assert f"The worker on {host} (process 5151) last beat 0 s ago" in out.getvalue()
