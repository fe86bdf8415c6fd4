"""The worker's progress recorder: it writes what a card would show differently, and nothing else."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import openrouter
from imagegen import services
from imagegen.models import Generation
from imagegen.services.progress import PROGRESS_FLUSH_SECONDS
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"


def writes_of_a_flush(recorder: services.ProgressRecorder) -> int:
    with CaptureQueriesContext(connection) as captured:
        recorder.flush()
    return sum(query["sql"].startswith("UPDATE") for query in captured)


def test_keepalives_and_unshown_bytes_write_nothing(member, image_models):
    """OpenRouter sends a keep-alive every few seconds while the model works; each one used to rewrite the
    row (20 running generations: 20 writes a second) although no card would change."""
    generation = queue_generation(member, image_models[GEMINI], "a kite")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = services.ProgressRecorder(generation_id=generation.pk, count=1)

    recorder.on_event(0, openrouter.Started(generation_id="gen-1", attempt=1))
    assert writes_of_a_flush(recorder) == 1
    assert Generation.objects.get(pk=generation.pk).stage == Generation.Stage.WORKING

    for keepalive in range(1, 6):
        recorder.on_event(0, openrouter.BytesReceived(total_bytes=26 * keepalive))
    assert writes_of_a_flush(recorder) == 0

    recorder.on_event(0, openrouter.BytesReceived(total_bytes=40_000))  # the image's base64 arrives
    assert writes_of_a_flush(recorder) == 1
    row = Generation.objects.get(pk=generation.pk)
    assert (row.stage, row.kb_received) == (Generation.Stage.RECEIVING, 39)

    recorder.on_event(0, openrouter.BytesReceived(total_bytes=40_200))  # still "39 KB received"
    assert writes_of_a_flush(recorder) == 0
    recorder.on_event(0, openrouter.BytesReceived(total_bytes=42_000))
    assert writes_of_a_flush(recorder) == 1
    assert Generation.objects.get(pk=generation.pk).kb_received == 41

    recorder.on_event(0, openrouter.ReasoningDelta(text="Sketching the kite."))
    assert writes_of_a_flush(recorder) == 1
    assert Generation.objects.get(pk=generation.pk).reasoning == "Sketching the kite."


@pytest.mark.django_db(transaction=True)
def test_one_writer_thread_serves_every_running_generation_and_ends_when_none_runs(member, image_models):
    """A writer thread (and database connection) per generation cost a new PostgreSQL server process and
    login for each one started."""
    import threading
    import time

    def writers() -> int:
        return sum(thread.name == "progress-writer" for thread in threading.enumerate())

    generations = [queue_generation(member, image_models[GEMINI], f"kite {n}") for n in range(3)]
    Generation.objects.filter(pk__in=[g.pk for g in generations]).update(status=Generation.Status.RUNNING)
    recorders = [services.ProgressRecorder(generation_id=g.pk, count=1) for g in generations]
    for recorder in recorders:
        recorder.start()
    try:
        assert writers() == 1
        for recorder in recorders:
            recorder.on_event(0, openrouter.Started(generation_id=None, attempt=1))
        deadline = time.monotonic() + 10
        while Generation.objects.filter(stage=Generation.Stage.WORKING).count() < 3:
            assert time.monotonic() < deadline, "every generation's progress is written"
            time.sleep(0.05)
    finally:
        for recorder in recorders:
            recorder.stop()
    deadline = time.monotonic() + 10
    while writers():
        assert time.monotonic() < deadline, "the writer ends when nothing runs"
        time.sleep(0.05)


def test_an_image_saved_while_other_requests_run_shows_at_once_and_the_last_waits_for_the_finish(
    member, image_models
):
    """A request's saved image is written at once so its card shows it while the others go on; after the
    last request the generation's finish writes next, so that write is one a burst need not wait for."""
    generation = queue_generation(member, image_models[GEMINI], "three kites")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = services.ProgressRecorder(generation_id=generation.pk, count=3)

    def updates_of(action) -> int:
        with CaptureQueriesContext(connection) as captured:
            action()
        return sum(query["sql"].startswith("UPDATE") for query in captured)

    assert updates_of(lambda: recorder.set_stage(0, Generation.Stage.DONE)) == 1
    assert Generation.objects.get(pk=generation.pk).progress["0"]["stage"] == Generation.Stage.DONE
    assert updates_of(lambda: recorder.request_failed(1)) == 0  # a failure shows with the next flush
    assert updates_of(lambda: recorder.set_stage(2, Generation.Stage.DONE)) == 0
    assert recorder.snapshot()["2"]["stage"] == Generation.Stage.DONE  # what the finish writes


def test_a_single_requests_saved_image_is_shown_by_the_generations_finish_alone(member, image_models):
    generation = queue_generation(member, image_models[GEMINI], "one kite")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = services.ProgressRecorder(generation_id=generation.pk, count=1)
    with CaptureQueriesContext(connection) as captured:
        recorder.set_stage(0, Generation.Stage.DONE)
    assert not [query for query in captured if query["sql"].startswith("UPDATE")]


def test_a_single_requests_first_sending_writes_nothing_as_the_claim_wrote_it(member, image_models):
    """In a burst of 100, each generation's first "sending" was one more write at SQLite's one write lock,
    while the submissions held it, of what the worker's claim had just written (bench_generate.py)."""
    generation = queue_generation(member, image_models[GEMINI], "a kite")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = services.ProgressRecorder(generation_id=generation.pk, count=1, sent_recorded=True)

    recorder.on_event(0, openrouter.RequestSending(attempt=1))
    assert writes_of_a_flush(recorder) == 0

    recorder.on_event(0, openrouter.Retrying(attempt=1, delay_seconds=2, reason="OpenRouter is busy"))
    assert writes_of_a_flush(recorder) == 1, "a retry's note shows on the card"
    recorder.on_event(0, openrouter.Started(generation_id="gen-1", attempt=2))
    assert writes_of_a_flush(recorder) == 1


def test_a_card_of_several_requests_gets_its_rows_when_they_are_sent(member, image_models):
    generation = queue_generation(member, image_models[GEMINI], "two kites", count=2)
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = services.ProgressRecorder(generation_id=generation.pk, count=2, sent_recorded=True)

    recorder.on_event(0, openrouter.RequestSending(attempt=1))
    assert writes_of_a_flush(recorder) == 1
    assert [state["label"] for state in Generation.objects.get(pk=generation.pk).request_states] == [
        "Sending",
        "Sending",
    ]


def test_the_writer_does_not_write_a_generation_that_finished_after_it_listed_them(monkeypatch):
    """A finished generation's row holds its final state; a late progress write changes nothing, but in a
    burst it waited its turn at the write lock like any other (93 of them in a burst of 100)."""
    import threading

    flushed = []
    first, second = (services.ProgressRecorder(generation_id=n, count=1) for n in (1, 2))
    done = threading.Event()

    def flushing(recorder, other):
        def flush():
            flushed.append(recorder.generation_id)
            # Both finish while this one is written: the other was listed, and is no longer running.
            recorder.stop()
            other.stop()
            done.set()

        return flush

    monkeypatch.setattr(first, "flush", flushing(first, second))
    monkeypatch.setattr(second, "flush", flushing(second, first))
    first.start()
    second.start()  # both listed at the writer's next tick
    try:
        assert done.wait(timeout=10)
        time.sleep(PROGRESS_FLUSH_SECONDS * 3)
    finally:
        first.stop()
        second.stop()
    assert len(flushed) == 1, flushed
