"""The task worker: one process that runs many generations at once.

django-tasks-db's `db_worker` runs one task at a time, and a generation is mostly seconds of waiting on
OpenRouter. So one loop claims queued tasks (SKIP LOCKED on PostgreSQL, an exclusive transaction on
SQLite; as many at once as it has free threads, up to CLAIM_BATCH) and hands each to a pool of threads; the pool's size is the number of
generations this process runs concurrently. The same loop beats the heartbeat of the generations it
runs and, every so often, recovers generations whose worker died.

SIGTERM or Ctrl-C stops claiming and lets running generations finish; a second signal exits at once.
A watchdog thread ends the process (WATCHDOG_EXIT_CODE) when the loop stops completing rounds, so a
hung worker is restarted by whatever supervises it (`serve`, Docker's restart policy, systemd) instead of
holding its queue while looking alive.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import SimpleQueue

from django.db import DatabaseError, close_old_connections, connections

from imagegen.services import queue as task_queue

logger = logging.getLogger("easel.worker")

# The most queued generations one claim takes (each needs a free thread of the pool).
CLAIM_BATCH = 20

# EX_SOFTWARE from sysexits.h: the process ended itself because its own loop stopped working.
WATCHDOG_EXIT_CODE = 70


def _exit_hung(silent_seconds: float) -> None:
    message = (
        "The worker's main loop has not completed a round for %.0f s (hung); exiting with code %d "
        "so that it is restarted. Recovery settles the generations it held."
    )
    # The hang may be inside logging itself (a blocked stdout): log from another thread, exit regardless.
    report = threading.Thread(
        target=logger.critical, args=(message, silent_seconds, WATCHDOG_EXIT_CODE), daemon=True
    )
    report.start()
    report.join(timeout=2)
    os._exit(WATCHDOG_EXIT_CODE)


class Watchdog:
    """Calls `on_expire` (by default: exits the process) once `feed()` has not been called for `timeout` s."""

    def __init__(self, *, timeout: float, on_expire: Callable[[float], None] = _exit_hung):
        self.timeout = timeout
        self.on_expire = on_expire
        self._last_fed = time.monotonic()
        self._stopped = threading.Event()

    def feed(self) -> None:
        self._last_fed = time.monotonic()

    def start(self) -> threading.Thread:
        self.feed()
        thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(min(1.0, self.timeout / 4)):
            silent = time.monotonic() - self._last_fed
            if silent > self.timeout:
                self.on_expire(silent)
                return


def lower_cpu_priority(niceness: int) -> None:
    """Give way to the web processes on a shared machine, by `niceness` steps (0 leaves things as they are).

    Linux with autogroup scheduling (the default on Debian and Ubuntu kernels) first shares the CPU
    equally between sessions, and a process's nice value ranks it only within its own session. A worker
    started in a session of its own (as `serve` and the benchmarks start it) would then compete with the
    web as an equal whatever its nice value, so it also lowers its session's group. A worker sharing a
    session, such as a terminal's, leaves the group alone: that would slow everything else in it.
    """
    if niceness <= 0:
        return
    os.nice(niceness)
    autogroup = Path("/proc/self/autogroup")
    if os.getsid(0) != os.getpid() or not autogroup.exists():
        return  # not a session leader, or no autogroups (containers' cgroups take their place)
    try:
        autogroup.write_text(str(niceness))
    except OSError as error:
        logger.info(
            "The worker's session kept its CPU priority (%s); its own nice value still applies.", error
        )


class PoolWorker:
    def __init__(
        self,
        *,
        worker_id: str,
        threads: int,
        poll_seconds: float,
        heartbeat_seconds: float,
        recovery_seconds: float,
        heartbeat: Callable[[str], None],
        recover: Callable[[], None],
        stopped: Callable[[str], None] = lambda worker_id: None,
        watchdog_seconds: float | None = None,
        queue_names: tuple[str, ...] = ("default",),
        backend_name: str = "default",
    ):
        self.worker_id = worker_id
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.recovery_seconds = recovery_seconds
        self.heartbeat = heartbeat
        self.recover = recover
        self.stopped = stopped
        self.watchdog = Watchdog(timeout=watchdog_seconds) if watchdog_seconds else None
        self.queue_names = queue_names
        self.backend_name = backend_name
        self.stopping = threading.Event()
        self.free_slots = threading.Semaphore(threads)
        self._task_runner = task_queue.TaskRunner(
            worker_id=worker_id, backend_name=backend_name, queue_names=queue_names, poll_seconds=poll_seconds
        )

    # --- signals -------------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        if self.stopping.is_set():
            logger.warning(
                "Second %s: exiting now; recovery will settle unfinished generations.",
                signal.strsignal(signum),
            )
            # Running threads cannot be interrupted; leave without waiting for them.
            os._exit(1)
        logger.warning(
            "%s: finishing running generations, then stopping (press Ctrl-C again to force).",
            signal.strsignal(signum),
        )
        # Not `self.stopping.set()` here: the handler runs on the main thread, which may be inside
        # `self.stopping.wait()` holding the Event's lock at that very moment; taking it again would hang
        # the worker for good. Another thread takes it as soon as the main thread lets go.
        threading.Thread(target=self.stopping.set, name="stop-signal", daemon=True).start()

    # --- main loop ------------------------------------------------------------------------------
    def run(self) -> None:
        logger.info("Worker %s started: %d generations at once.", self.worker_id, self.threads)
        if self.watchdog:
            self.watchdog.start()
        self._safely(self.recover, "recovery")
        next_heartbeat = next_recovery = time.monotonic()
        next_recovery += self.recovery_seconds
        claimed: SimpleQueue = SimpleQueue()
        pool = [
            threading.Thread(target=self._serve, args=(claimed,), name=f"generation_{n}", daemon=True)
            for n in range(self.threads)
        ]
        for thread in pool:
            thread.start()
        try:
            while not self.stopping.is_set():
                self._round_completed()
                now = time.monotonic()
                if now >= next_heartbeat:
                    self._safely(lambda: self.heartbeat(self.worker_id), "heartbeat")
                    next_heartbeat = now + self.heartbeat_seconds
                if now >= next_recovery:
                    self._safely(self.recover, "recovery")
                    next_recovery = now + self.recovery_seconds

                if not self.free_slots.acquire(timeout=self.poll_seconds):
                    continue
                slots = 1
                while slots < CLAIM_BATCH and self.free_slots.acquire(blocking=False):
                    slots += 1
                try:
                    task_results = self._claim_ready(limit=slots)
                except DatabaseError:
                    # The database is away (restart, failover): wait and try again; never die of it.
                    logger.warning(
                        "Worker %s cannot reach the database; retrying", self.worker_id, exc_info=True
                    )
                    close_old_connections()
                    connections.close_all()
                    self._release(slots)
                    self.stopping.wait(min(5.0, self.poll_seconds * 20))
                    continue
                self._release(slots - len(task_results))
                if not task_results:
                    self.stopping.wait(self.poll_seconds)
                    continue
                for task_result in task_results:
                    claimed.put(task_result)
        finally:
            close_old_connections()
            logger.info("Worker %s waiting for running generations to finish.", self.worker_id)
            for _ in pool:
                claimed.put(None)
            self._beat_until_done(pool)
            self._safely(lambda: self.stopped(self.worker_id), "recording the stop")
            connections.close_all()
            if self.watchdog:
                self.watchdog.stop()
            logger.info("Worker %s stopped.", self.worker_id)

    def _serve(self, claimed: SimpleQueue) -> None:
        """A pool thread: runs claimed generations one after another until it takes a None.

        It keeps its database connection between generations, and closes it itself when it ends (a
        connection belongs to its thread; ThreadPoolExecutor has no place to do this, and would leave it
        to the garbage collector)."""
        try:
            while (task_result := claimed.get()) is not None:
                self._run(task_result)
        finally:
            connections.close_all()

    def _beat_until_done(self, pool: list[threading.Thread]) -> None:
        """Keep the heartbeat going while the pool drains, so recovery never takes live work."""
        drained = threading.Event()

        def join_pool():
            for thread in pool:
                thread.join()
            drained.set()

        threading.Thread(target=join_pool, daemon=True).start()
        while not drained.wait(self.heartbeat_seconds):
            self._round_completed()
            self._safely(lambda: self.heartbeat(self.worker_id), "heartbeat")
        connections.close_all()

    def _round_completed(self) -> None:
        if self.watchdog:
            self.watchdog.feed()

    def _claim_ready(self, *, limit: int) -> list:
        close_old_connections()
        return task_queue.claim_ready_tasks(
            worker_id=self.worker_id,
            backend_name=self.backend_name,
            queue_names=self.queue_names,
            limit=limit,
        )

    def _release(self, slots: int) -> None:
        for _ in range(slots):
            self.free_slots.release()

    def _run(self, task_result) -> None:
        try:
            close_old_connections()
            self._task_runner.run(task_result)
        except Exception:
            logger.exception("Task %s crashed the worker thread", task_result.id)
        finally:
            # As after a web request: a persistent connection (CONN_MAX_AGE, PostgreSQL) stays with this
            # pool thread for its next generation, instead of a new server process and login each time.
            close_old_connections()
            self.free_slots.release()

    def _safely(self, action: Callable[[], None], what: str) -> None:
        try:
            action()
        except Exception:
            # A database hiccup must not kill the worker: the next round tries again.
            logger.exception("Worker %s: %s failed; will retry", self.worker_id, what)
            close_old_connections()
