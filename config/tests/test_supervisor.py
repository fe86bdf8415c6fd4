"""serve's supervisor: restarts, the growing pause, the crash loop and the exit codes it reports.

The children are real (tiny Python processes); the clock is the test's, so the pauses and the one-minute
window are exact and no test waits for them."""

import signal
import sys
from pathlib import Path

import pytest

from config.supervisor import ChildSpec, Supervisor, describe_exit
from tests.fixtures.processes import wait_for

EXIT_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def supervised():
    clock, lines = Clock(), []
    supervisor = Supervisor(report=lines.append, clock=clock)
    yield supervisor, clock, lines
    supervisor.kill_all()


def spec(command, name="worker", **extra) -> ChildSpec:
    return ChildSpec(name=name, command=command, env={}, cwd=Path.cwd(), **extra)


def crash(supervisor: Supervisor, clock: Clock, *, ran: float):
    """Let the child run `ran` seconds of the test's clock, then see it exit."""
    child = supervisor.child("worker")
    child.process.wait(timeout=60)
    clock.now = child.started_at + ran
    return supervisor.check()


def restart(supervisor: Supervisor, clock: Clock) -> None:
    """Move the clock to the end of the pause and let the supervisor start the child again."""
    child = supervisor.child("worker")
    clock.now = child.restart_at
    assert supervisor.check() is None
    assert child.restart_at is None


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (3, "code 3"),
        (0, "code 0"),
        (-9, "code -9 (SIGKILL)"),
        (-15, "code -15 (SIGTERM)"),
        (-99, "code -99 (signal 99)"),
    ],
)
def test_exit_codes_read_as_people_say_them(code, said):
    assert describe_exit(code) == said


def crash_repeatedly(supervised, *, times: int, ran: float) -> list[str]:
    """Start a child that exits at once, see it run `ran` seconds and exit `times` times, each time
    starting it again when its pause is over; the supervisor's words on each restart."""
    supervisor, clock, lines = supervised
    supervisor.start(spec(EXIT_AT_ONCE))
    for _ in range(times):
        assert crash(supervisor, clock, ran=ran) is None
        restart(supervisor, clock)
    return [line.split("; ")[1] for line in lines if "exited unexpectedly" in line]


def test_a_child_that_keeps_crashing_waits_longer_each_time_then_is_a_crash_loop(supervised):
    supervisor, clock, lines = supervised

    pauses = crash_repeatedly(supervised, times=4, ran=1)
    crash_loop = crash(supervisor, clock, ran=1)

    assert pauses == [
        "starting it again now.",
        "starting it again in 1 s.",
        "starting it again in 2 s.",
        "starting it again in 4 s.",
    ]
    assert "easel: the worker process exited unexpectedly with code 3 after 1 s" in lines[0]
    assert crash_loop is not None
    assert crash_loop.message() == (
        "easel: the worker process keeps exiting (5 times within 60 s, last with code 3); stopping Easel. "
        "Its output is above, in serve's own output."
    )
    assert supervisor.child("worker").restart_at is None, "a crash loop starts nothing again"


def test_the_pause_grows_to_thirty_seconds_for_a_child_that_dies_after_twenty(supervised):
    """Exits spread out by the pauses never make five a minute: no crash loop, the pause stops at 30 s."""
    pauses = crash_repeatedly(supervised, times=9, ran=20)

    assert [pause.removeprefix("starting it again ") for pause in pauses] == [
        "now.",
        "in 1 s.",
        "in 2 s.",
        "in 4 s.",
        "in 8 s.",
        "in 16 s.",
        "in 30 s.",
        "in 30 s.",
        "in 30 s.",
    ]


def test_a_child_that_ran_a_minute_is_started_again_at_once_every_time(supervised):
    lines = supervised[2]

    pauses = crash_repeatedly(supervised, times=6, ran=61)

    assert pauses == ["starting it again now."] * 6
    assert (
        lines[0]
        == "easel: the worker process exited unexpectedly with code 3 after 61 s; starting it again now."
    )
    assert lines[1].startswith("easel: started the worker process again (process ")


def test_a_killed_child_is_named_with_its_signal_and_started_again_at_once(supervised):
    supervisor, _, lines = supervised
    child = supervisor.start(spec(SLEEP))
    first = child.process.pid

    child.process.send_signal(signal.SIGKILL)
    child.process.wait(timeout=60)
    assert supervisor.check() is None
    assert supervisor.check() is None  # the pause is 0: the next look starts it

    assert lines[0].startswith("easel: the worker process exited unexpectedly with code -9 (SIGKILL)")
    assert child.process.pid != first
    assert child.process.poll() is None, "the new one runs"
    assert lines[1] == f"easel: started the worker process again (process {child.process.pid})."


def test_stopping_ends_every_child_the_ones_marked_last_after_the_others(supervised, tmp_path):
    supervisor = supervised[0]
    order = tmp_path / "order"
    # Each child notes when SIGTERM reached it; the "stand-in" must be the last (the others may use it).
    child_code = (
        "import pathlib, signal, sys, time\n"
        "def bye(*_):\n"
        f"    open({str(order)!r}, 'a').write(sys.argv[1] + '\\n'); raise SystemExit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        f"pathlib.Path({str(tmp_path)!r}, sys.argv[1] + '.ready').touch()\n"
        "time.sleep(600)\n"
    )
    for name, last in (("stand-in", True), ("web", False), ("worker", False)):
        command = [sys.executable, "-c", child_code, name]
        supervisor.start(spec(command, name=name, stop_last=last, stop_grace_seconds=60))
    wait_for(
        lambda: all((tmp_path / f"{name}.ready").exists() for name in ("stand-in", "web", "worker")),
        timeout=60,
        message="every child to be ready for SIGTERM",
    )

    supervisor.stop_all()

    stopped = order.read_text().split()
    assert sorted(stopped[:2]) == ["web", "worker"]
    assert stopped[2:] == ["stand-in"]
    assert [child.process.returncode for child in supervisor.children] == [0, 0, 0]
