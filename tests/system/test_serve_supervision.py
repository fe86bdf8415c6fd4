"""`serve` keeps Easel up: a child that dies is started again, the site answers meanwhile, work goes on.

Each test runs a real `serve` (no API key: with the offline stand-in) and kills one of its children with
SIGKILL, as the kernel's out-of-memory killer does. Heartbeats and recovery are shortened through the
environment so the interrupted generation is settled in seconds rather than the default minute and a
half; every wait is on a condition with a generous deadline.
"""

import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from tests.fixtures.processes import Serve, log_in, parent_of, processes_of, wait_for

ADMIN = {"EASEL_ADMIN_USER": "boss", "EASEL_ADMIN_PASSWORD": "a-long-admin-password"}
FAST_RECOVERY = {
    "EASEL_HEARTBEAT_SECONDS": "0.5",
    "EASEL_HEARTBEAT_STALE_SECONDS": "3",
    "EASEL_RECOVERY_INTERVAL_SECONDS": "1",
    "EASEL_WORKER_POLL_SECONDS": "0.05",
}
# The promise: a new process runs within 10 seconds (serve starts it again at once).
NEW_PROCESS_WITHIN_SECONDS = 10


@dataclass
class SitePoller:
    """Asks for /healthz and a page, one after the other, until stopped; notes every failure.

    Each request may wait 30 s: while a new web server starts, connections wait in serve's listening
    queue, which is the point. A refused or failed request is what must not happen."""

    url: str
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self):
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=60)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                for path in ("/healthz", "/login/"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as error:
                        self.failures.append(f"{path}: {error!r}")
                        continue
                    if status == 200:
                        self.answers += 1
                    else:
                        self.failures.append(f"{path}: HTTP {status}")
                self._stop.wait(0.1)


def submit(client: httpx.Client, prompt: str) -> int:
    """Generate from the Generate page as htmx posts it; the id of the new card."""
    page = client.get("/").text
    model = re.search(r'<option value="(\d+)" selected>', page).group(1)
    response = client.post(
        "/",
        data={
            "prompt": prompt,
            "model": model,
            "aspect_ratio": "1:1",
            "count": "1",
            "submission_key": prompt,
        },
        headers={"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    return int(re.search(r'id="generation-(\d+)"', response.text).group(1))


def card(client: httpx.Client, generation_id: int) -> str:
    return client.get(f"/generations/{generation_id}/", headers={"HX-Request": "true"}).text


def finished_card(client: httpx.Client, generation_id: int, timeout: float = 120) -> str:
    return wait_for(
        lambda: 'name="live"' not in (text := card(client, generation_id)) and text,
        timeout=timeout,
        interval=0.3,
        message=f"generation {generation_id} to finish",
    )


def kill_target(serve: Serve, name: str) -> int:
    """The pid of serve's child `name` (for the web server: gunicorn's master, serve's own child)."""
    if name == "web":
        return next(pid for pid in serve.children(running="gunicorn") if parent_of(pid) == serve.process.pid)
    return next(
        iter(serve.children(running={"worker": "run_worker", "stand-in": "openrouter_standin"}[name]))
    )


def replacement(serve: Serve, name: str, old_pid: int) -> int | None:
    processes = processes_of(serve.data_dir)
    running = {"web": "gunicorn", "worker": "run_worker", "stand-in": "openrouter_standin"}[name]
    return next(
        (
            pid
            for pid, command in processes.items()
            if running in command and pid != old_pid and parent_of(pid) == serve.process.pid
        ),
        None,
    )


def running(serve: Serve, name: str) -> bool:
    """The new process does its work: the worker says it started, the web and the stand-in answer."""
    output = serve.output()
    if name == "worker":
        return len(re.findall(r"easel\.worker: Worker \S+ started:", output)) >= 2
    if name == "web":
        url = f"{serve.url}/healthz"
    else:
        url = re.search(r"OpenRouter stand-in on (http://\S+)", output).group(1) + "/models"
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


# The prompt of the generation under way when the child is killed: long enough to be mid-request.
UNDER_WAY = {"worker": "[latency:60]", "web": "[latency:6]", "stand-in": "[latency:60]"}


@pytest.mark.parametrize("name", ["worker", "web", "stand-in"])
def test_a_killed_child_comes_back_and_easel_keeps_working(tmp_path, name):
    serve = Serve(tmp_path, **ADMIN, **FAST_RECOVERY)
    try:
        serve.wait_until_running()
        assert "Created the first admin 'boss' with the password from EASEL_ADMIN_PASSWORD." in serve.output()
        with httpx.Client(base_url=serve.url, timeout=30) as client:
            log_in(client, "boss", "a-long-admin-password")
            under_way = submit(client, f"a long voyage {UNDER_WAY[name]}")
            wait_for(
                lambda: 'data-stage="working"' in card(client, under_way),
                timeout=60,
                interval=0.2,
                message="the model to be working on the generation",
            )
            victim = kill_target(serve, name)

            with SitePoller(serve.url) as site:
                os.kill(victim, signal.SIGKILL)
                killed_at = time.monotonic()
                new_pid = wait_for(
                    lambda: replacement(serve, name, victim),
                    timeout=NEW_PROCESS_WITHIN_SECONDS,
                    message=f"a new {name} process",
                )
                assert time.monotonic() - killed_at < NEW_PROCESS_WITHIN_SECONDS
                wait_for(lambda: running(serve, name), timeout=120, message=f"the new {name} to run")
                ended = finished_card(client, under_way)
                wait_for(lambda: site.answers >= 10, timeout=60, message="the poller to have asked a while")
            assert site.failures == [], site.failures

            next_one = finished_card(client, submit(client, "after the storm"))
            assert "Done in" in next_one, next_one
            thumbnail = re.search(r'<img src="(/gallery/[^"]+)"', next_one).group(1)
            assert client.get(thumbnail).headers["Content-Type"].startswith("image/")
    finally:
        exit_code = serve.stop(signal.SIGTERM)
    output = serve.output()
    assert f"the {name} process exited unexpectedly with code -9 (SIGKILL)" in output
    assert f"started the {name} process again (process {new_pid})" in output
    assert exit_code == 0, output
    assert processes_of(serve.data_dir) == {}, "SIGTERM stopped every child"
    if name == "worker":
        # Recovery settled it: the request may have been billed, so it was not sent again.
        assert "Failed: Interrupted: the worker running this generation stopped" in ended
        assert "Easel did not retry it" in ended
    elif name == "web":
        assert "Done in" in ended  # the worker never noticed: the generation went on
    else:
        assert "Failed:" in ended  # the connection to "OpenRouter" broke mid-answer


def test_a_worker_that_exits_at_once_stops_serve_after_a_crash_loop(tmp_path):
    """The failing worker is made by the test, not by breaking Easel: a `sitecustomize` module on
    PYTHONPATH (Python imports it at start) ends any `manage.py run_worker` at once with code 3."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, sys\nif sys.argv[1:2] == ['run_worker']:\n    os._exit(3)\n"
    )
    serve = Serve(tmp_path, **ADMIN, PYTHONPATH=str(hook))
    try:
        exit_code = serve.process.wait(timeout=240)
    finally:
        serve.stop()
    output = serve.output()
    assert exit_code == 1, output
    pauses = re.findall(
        r"the worker process exited unexpectedly with code 3 after \d+ s; starting it again (now|in \d+ s)\.",
        output,
    )
    assert pauses == ["now", "in 1 s", "in 2 s", "in 4 s"], output
    loop_lines = [line for line in output.splitlines() if "keeps exiting" in line]
    assert loop_lines == [
        "easel: the worker process keeps exiting (5 times within 60 s, last with code 3); stopping Easel. "
        "Its output is above, in serve's own output."
    ], output
    wait_for(lambda: processes_of(serve.data_dir) == {}, timeout=60, message="every child to stop")
