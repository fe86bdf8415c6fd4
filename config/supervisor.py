"""Keeping `serve`'s child processes up: plain Python, no Django.

A child that exits while Easel is not stopping is started again: at once the first time, then after a
growing pause (1, 2, 4 … 30 s) while it keeps exiting soon after it started. A child that ran for a
minute or more before it exited starts again at once, as if for the first time. Only a crash loop, five
exits of one child within a minute, gives up: the supervisor then reports it, and the caller stops
everything and exits non-zero so that a service manager (systemd, Docker) can take over.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RESTART_PAUSES = (0, 1, 2, 4, 8, 16, 30)  # seconds, by the number of quick exits in a row
HEALTHY_AFTER_SECONDS = 60  # a child that ran this long before exiting was not crash-looping
CRASH_LOOP_EXITS = 5
CRASH_LOOP_WINDOW_SECONDS = 60


def describe_exit(code: int) -> str:
    """`code 3`, or `code -9 (SIGKILL)` for a process ended by a signal."""
    if code < 0:
        try:
            return f"code {code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"code {code} (signal {-code})"
    return f"code {code}"


@dataclass
class ChildSpec:
    """How to start one child: the same way every time it is started again."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    pass_fds: tuple[int, ...] = ()
    stop_grace_seconds: float | None = None  # None: as long as it takes
    stop_last: bool = False  # stopped after the others (they may depend on it)


@dataclass
class Child:
    spec: ChildSpec
    process: subprocess.Popen
    started_at: float
    quick_exits: int = 0  # exits in a row, each soon after its start
    exits: deque = field(default_factory=deque)  # when it exited lately (monotonic seconds)
    restart_at: float | None = None  # waiting to be started again at this moment
    last_code: int | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class CrashLoop:
    child: Child

    def message(self) -> str:
        child = self.child
        return (
            f"easel: the {child.name} process keeps exiting ({CRASH_LOOP_EXITS} times within "
            f"{CRASH_LOOP_WINDOW_SECONDS} s, last with {describe_exit(child.last_code)}); stopping Easel. "
            "Its output is above, in serve's own output."
        )


class Supervisor:
    def __init__(self, *, report: Callable[[str], None], clock: Callable[[], float] = time.monotonic):
        self.report = report
        self.clock = clock
        self.children: list[Child] = []

    def start(self, spec: ChildSpec) -> Child:
        child = Child(spec=spec, process=self._spawn(spec), started_at=self.clock())
        self.children.append(child)
        return child

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def _spawn(self, spec: ChildSpec) -> subprocess.Popen:
        # A session of its own: Ctrl-C reaches only `serve`, which then stops each child in order.
        return subprocess.Popen(
            spec.command, env=spec.env, cwd=spec.cwd, pass_fds=spec.pass_fds, start_new_session=True
        )

    def check(self) -> CrashLoop | None:
        """One look at every child: note exits, start again those whose pause is over."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(child, now)
                continue
            code = child.process.poll()
            if code is not None and self._exited(child, code, now):
                return CrashLoop(child)
        return None

    def _exited(self, child: Child, code: int, now: float) -> bool:
        """Record an exit; True when it completes a crash loop (nothing is started again then)."""
        child.last_code = code
        _end_leftovers(child.process.pid)
        child.exits.append(now)
        while child.exits and now - child.exits[0] > CRASH_LOOP_WINDOW_SECONDS:
            child.exits.popleft()
        if len(child.exits) >= CRASH_LOOP_EXITS:
            return True
        ran = now - child.started_at
        child.quick_exits = child.quick_exits + 1 if ran < HEALTHY_AFTER_SECONDS else 1
        pause = RESTART_PAUSES[min(child.quick_exits, len(RESTART_PAUSES)) - 1]
        when = "now" if pause == 0 else f"in {pause} s"
        self.report(
            f"easel: the {child.name} process exited unexpectedly with {describe_exit(code)} "
            f"after {ran:.0f} s; starting it again {when}."
        )
        child.restart_at = now + pause
        return False

    def _restart(self, child: Child, now: float) -> None:
        child.restart_at = None
        child.process = self._spawn(child.spec)
        child.started_at = now
        self.report(f"easel: started the {child.name} process again (process {child.process.pid}).")

    def supervise(self, *, stopping: Callable[[], bool], interval: float = 0.2) -> CrashLoop | None:
        """Until `stopping()` says so, or a crash loop."""
        while not stopping():
            crash_loop = self.check()
            if crash_loop is not None:
                return crash_loop
            time.sleep(interval)
        return None

    def stop_all(self) -> None:
        """Stop every child (SIGTERM, then SIGKILL after its grace period), those marked `stop_last` last."""
        for group in (
            [child for child in self.children if not child.spec.stop_last],
            [child for child in self.children if child.spec.stop_last],
        ):
            running = [child for child in group if child.restart_at is None and child.process.poll() is None]
            for child in running:
                child.process.terminate()
            for child in running:
                self._wait(child)

    def kill_all(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                child.process.kill()

    def _wait(self, child: Child) -> None:
        timeout = child.spec.stop_grace_seconds
        try:
            child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.report(f"easel: the {child.name} process did not stop in {timeout:g} s; killing it.")
            child.process.kill()
            child.process.wait()


def _end_leftovers(process_group: int) -> None:
    """Ask what the dead child left behind in its session (a web server's own workers) to finish and go."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left: the usual case
        os.killpg(process_group, signal.SIGTERM)
