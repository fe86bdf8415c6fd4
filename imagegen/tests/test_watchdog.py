"""The worker's watchdog: a loop that stops completing rounds ends its process, so it gets restarted.

The process itself is tested in tests/system/test_worker_process.py; here, the watchdog alone and how
run_worker wires it (and the worker's own heartbeat) from the settings."""

import os
import socket
import threading

import pytest
from django.core.management import call_command

from imagegen.management.commands import run_worker
from imagegen.models import Worker
from imagegen.worker import PoolWorker, Watchdog

pytestmark = pytest.mark.django_db


def test_a_watchdog_that_is_not_fed_expires_once():
    expired = []
    done = threading.Event()

    def on_expire(silent_seconds: float) -> None:
        expired.append(silent_seconds)
        done.set()

    watchdog = Watchdog(timeout=0.2, on_expire=on_expire)
    watchdog.start()

    assert done.wait(timeout=30), "the watchdog never expired"
    assert len(expired) == 1
    assert expired[0] > 0.2


def test_a_stopped_watchdog_never_expires():
    expired = threading.Event()
    watchdog = Watchdog(timeout=0.2, on_expire=lambda silent: expired.set())
    watchdog.stop()  # a worker that stopped: the watchdog's thread ends at its first look
    watching = watchdog.start()
    watching.join(timeout=30)
    assert not watching.is_alive()
    assert not expired.is_set(), "a stopped watchdog expired (unstopped, it would after 0.2 s)"


@pytest.fixture
def _priority_kept(monkeypatch):
    """run_worker runs in this test process here: its lowered CPU priority would stay with the process
    and every later test in it (a test of the worker's priority then fails, depending on order)."""
    monkeypatch.setattr(run_worker, "lower_cpu_priority", lambda niceness: None)


@pytest.mark.usefixtures("_priority_kept")
def test_run_worker_wires_the_watchdog_and_the_workers_own_heartbeat(settings, monkeypatch):
    settings.WORKER_WATCHDOG_SECONDS = 45
    seen = {}

    def run(worker: PoolWorker) -> None:
        seen["watchdog"] = worker.watchdog.timeout
        worker.heartbeat(worker.worker_id)
        seen["after_beat"] = Worker.objects.get(worker_id=worker.worker_id).stopped_at
        worker.stopped(worker.worker_id)

    monkeypatch.setattr(PoolWorker, "run", run)
    monkeypatch.setattr(PoolWorker, "install_signal_handlers", lambda worker: None)

    call_command("run_worker", "--worker-id", "wired")

    assert seen == {"watchdog": 45, "after_beat": None}
    worker = Worker.objects.get(worker_id="wired")
    assert worker.stopped_at is not None
    assert worker.pid == os.getpid()
    assert worker.host == socket.gethostname()


@pytest.mark.usefixtures("_priority_kept")
def test_a_watchdog_of_zero_seconds_is_off(settings, monkeypatch):
    settings.WORKER_WATCHDOG_SECONDS = 0
    seen = {}
    monkeypatch.setattr(PoolWorker, "run", lambda worker: seen.setdefault("watchdog", worker.watchdog))
    monkeypatch.setattr(PoolWorker, "install_signal_handlers", lambda worker: None)

    call_command("run_worker")

    assert seen == {"watchdog": None}
