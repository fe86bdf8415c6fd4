"""The real task worker as a separate process: concurrency, graceful stop, and recovery after SIGKILL."""

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from imagegen.models import Generation
from imagegen.worker import WATCHDOG_EXIT_CODE
from tests.fixtures.generations import queue_generation
from tests.fixtures.processes import easel_env, manage, start_manage, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


def status_of(generation: Generation) -> Generation:
    return Generation.objects.get(pk=generation.pk)


def test_one_worker_runs_many_generations_at_once(member, image_models, tmp_path, tag, settings):
    settings.MAX_RUNNING_PER_MEMBER = 6  # one member queues all six (as the default allows)
    generations = [
        queue_generation(member, image_models[GEMINI], f"lantern {n} {tag} [latency:5]") for n in range(6)
    ]
    worker = start_manage(
        "run_worker",
        "--threads",
        "8",
        env=easel_env(EASEL_WORKER_POLL_SECONDS="0.05"),
        log=tmp_path / "worker.log",
    )
    try:
        wait_for(
            lambda: all(status_of(g).is_finished for g in generations), timeout=60, message="6 generations"
        )
    finally:
        stop(worker)
    finished = [status_of(g) for g in generations]
    assert {g.status for g in finished} == {Generation.Status.SUCCEEDED}
    # Measured on the rows, from the first claim to the last image stored, so the worker's start-up
    # doesn't count: six 5-second generations one after another would take over 30 s; at once, about 5 s
    # (the bound leaves a loaded machine 10 s of slack without letting two-at-a-time pass).
    span = max(g.finished_at for g in finished) - min(g.started_at for g in finished)
    assert span.total_seconds() < 15, (tmp_path / "worker.log").read_text()


def test_sigterm_lets_running_generations_finish(member, image_models, tmp_path, tag):
    generation = queue_generation(member, image_models[GEMINI], f"slow harbour {tag} [latency:3]")
    worker = start_manage(
        "run_worker", env=easel_env(EASEL_WORKER_POLL_SECONDS="0.05"), log=tmp_path / "w.log"
    )
    wait_for(lambda: status_of(generation).request_sent_at, timeout=20, message="the request to be sent")

    exit_code = stop(worker, signal.SIGTERM, timeout=30)

    assert exit_code == 0, (tmp_path / "w.log").read_text()
    assert status_of(generation).status == Generation.Status.SUCCEEDED


def run_worker_until_finished(generation, *, env: dict, log: Path, timeout: float, message: str):
    """Start a `run_worker` process, wait until the generation is final, stop it; the final row."""
    worker = start_manage("run_worker", env=env, log=log)
    try:
        return wait_for(
            lambda: status_of(generation).is_finished and status_of(generation),
            timeout=timeout,
            message=message,
        )
    finally:
        stop(worker)


def test_a_killed_worker_leaves_a_stale_heartbeat_that_recovery_settles(member, image_models, tmp_path, tag):
    generation = queue_generation(member, image_models[GEMINI], f"endless sea {tag} [latency:60]")
    fast = {"EASEL_WORKER_POLL_SECONDS": "0.05", "EASEL_HEARTBEAT_SECONDS": "0.5"}
    doomed = start_manage("run_worker", env=easel_env(**fast), log=tmp_path / "doomed.log")
    wait_for(lambda: status_of(generation).request_sent_at, timeout=20, message="the request to be sent")

    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    assert status_of(generation).status == Generation.Status.RUNNING  # nothing settles it by itself

    # Shortened for the test; the defaults (60 s stale, recovery every 30 s) settle within 90 s.
    settled = run_worker_until_finished(
        generation,
        env=easel_env(**fast, EASEL_HEARTBEAT_STALE_SECONDS="3", EASEL_RECOVERY_INTERVAL_SECONDS="0.5"),
        log=tmp_path / "recovering.log",
        timeout=30,
        message="recovery",
    )
    assert settled.status == Generation.Status.FAILED
    assert settled.error_kind == "interrupted"
    assert settled.error_message.startswith("Interrupted:")


def test_a_generation_that_never_reached_openrouter_runs_on_the_next_worker(
    member, image_models, tmp_path, tag
):
    """A worker killed between claiming a generation and sending its request: nothing can have been
    charged, so the next worker's recovery queues it again and runs it to its image."""
    generation = queue_generation(member, image_models[GEMINI], f"a second chance {tag}")
    DBTaskResult.objects.get(args_kwargs__kwargs__generation_id=generation.pk).claim("killed-worker")
    claimed_long_ago = timezone.now() - timedelta(seconds=30)
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.RUNNING,
        stage=Generation.Stage.SENDING,
        worker_id="killed-worker",
        attempts=1,
        heartbeat_at=claimed_long_ago,
        started_at=claimed_long_ago,
    )

    settled = run_worker_until_finished(
        generation,
        env=easel_env(EASEL_WORKER_POLL_SECONDS="0.05", EASEL_HEARTBEAT_STALE_SECONDS="3"),
        log=tmp_path / "worker.log",
        timeout=60,
        message="the generation to run again",
    )
    assert settled.status == Generation.Status.SUCCEEDED, settled.error_message
    assert settled.attempts == 2
    assert settled.worker_id != "killed-worker"
    assert settled.images.count() == 1
    assert settled.error_message == ""


def autogroup_nice(pid: int) -> int | None:
    """The nice value of the process's autogroup (`/autogroup-12 nice 0`).

    None without autogroups: on a kernel without them the file is missing, and a process still in the
    kernel's default group (one never started in a new session, as CI's runner is) reads it empty."""
    try:
        fields = Path(f"/proc/{pid}/autogroup").read_text().split()
    except FileNotFoundError:
        return None
    return int(fields[-1]) if fields else None


def worker_log_says_started(log: Path) -> bool:
    """The worker logs that it started after it has set its priority."""
    return " started: " in log.read_text()


def test_the_worker_lowers_its_own_cpu_priority(tmp_path):
    """By default the worker yields the CPU to the web processes (EASEL_WORKER_NICENESS=10).

    Started in a session of its own, as `serve` starts it, it also lowers its session's autogroup: with
    autogroup scheduling (this machine's kernel) a nice value alone ranks a process only within its session."""
    env = easel_env()
    del env["EASEL_WORKER_NICENESS"]
    own = os.getpriority(os.PRIO_PROCESS, 0)
    log = tmp_path / "worker.log"
    worker = start_manage("run_worker", env=env, log=log)
    try:
        wait_for(lambda: worker_log_says_started(log), timeout=30, message="the worker to start")
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(own + 10, 19)
        if Path("/proc/self/autogroup").exists():
            assert autogroup_nice(worker.pid) == 10
    finally:
        stop(worker)


def test_a_worker_sharing_a_session_leaves_the_sessions_priority_alone(tmp_path):
    """Run from a terminal, the worker shares the session its shell leads: lowering the session's group
    would slow everything else started there."""
    if not Path("/proc/self/autogroup").exists():
        pytest.skip("this kernel has no autogroup scheduling, so there is no session priority to keep")
    env = easel_env()
    del env["EASEL_WORKER_NICENESS"]
    log = tmp_path / "worker.log"
    shell = start_manage("run_worker", env=env, log=log, leads_session=False)
    try:
        wait_for(lambda: worker_log_says_started(log), timeout=30, message="the worker to start")
        (worker_pid,) = Path(f"/proc/{shell.pid}/task/{shell.pid}/children").read_text().split()
        assert os.getpriority(os.PRIO_PROCESS, int(worker_pid)) > os.getpriority(os.PRIO_PROCESS, shell.pid)
        assert autogroup_nice(int(worker_pid)) == autogroup_nice(shell.pid) == 0
    finally:
        exit_code = stop(shell)
    assert exit_code == 0, "the shell passes SIGTERM on, and the worker stops cleanly"


def test_a_stop_signal_arriving_inside_the_workers_own_wait_does_not_hang_it():
    """Found by CI: SIGTERM landed while the main thread held the stop Event's lock (in `wait`), and the
    handler's `set()` waited on that same lock forever. The handler must return while the lock is held."""
    import threading

    from imagegen.worker import PoolWorker

    worker = PoolWorker(
        worker_id="signal-test",
        threads=1,
        poll_seconds=0.05,
        heartbeat_seconds=1,
        recovery_seconds=3600,
        heartbeat=lambda worker_id: None,
        recover=lambda: None,
    )

    def signal_while_holding_the_lock() -> None:
        with worker.stopping._cond:  # where the main thread is while inside Event.wait()
            worker._on_signal(signal.SIGTERM, None)

    handler = threading.Thread(target=signal_while_holding_the_lock, daemon=True)
    handler.start()
    handler.join(timeout=5)
    assert not handler.is_alive(), "the signal handler hung on the lock its own thread holds"
    assert worker.stopping.wait(timeout=5), "the worker was never told to stop"


# A worker whose main loop blocks for good: its heartbeat call waits on an Event nobody sets.
HUNG_WORKER = """
import threading
from imagegen.worker import PoolWorker
never = threading.Event()
PoolWorker(
    worker_id="hung", threads=1, poll_seconds=0.05, heartbeat_seconds=0.1, recovery_seconds=3600,
    heartbeat=lambda worker_id: never.wait(), recover=lambda: None, watchdog_seconds=1,
).run()
"""


def test_a_worker_whose_loop_hangs_exits_on_its_own_so_it_is_restarted():
    """Docker does not restart a merely unhealthy container, and `serve` sees only exits: a hung worker
    must end itself. The watchdog's code tells the hang apart from other exits in the logs."""
    result = manage("shell", "--no-imports", "-c", HUNG_WORKER, env=easel_env())

    assert result.returncode == WATCHDOG_EXIT_CODE, result.stderr
    assert "main loop has not completed a round" in result.stderr


def test_the_worker_health_check_follows_this_hosts_worker_heartbeat(tmp_path):
    """What compose's worker health check runs: healthy while this host's worker beats, not once it stops."""
    env = easel_env(EASEL_HEARTBEAT_SECONDS="0.5")
    before = manage("worker_health", env=env)
    assert before.returncode == 1
    assert "has recorded a heartbeat yet" in before.stderr

    log = tmp_path / "worker.log"
    worker = start_manage("run_worker", env=env, log=log)
    try:
        wait_for(lambda: worker_log_says_started(log), timeout=60, message="the worker to start")
        healthy = wait_for(
            lambda: (check := manage("worker_health", env=env)).returncode == 0 and check,
            timeout=60,
            interval=0.5,
            message="a healthy worker",
        )
        assert f"(process {worker.pid}) last beat" in healthy.stdout
    finally:
        assert stop(worker) == 0

    after = manage("worker_health", env=env)
    assert after.returncode == 1
    assert f"(process {worker.pid}) last beat" in after.stderr
    assert "and has stopped." in after.stderr
