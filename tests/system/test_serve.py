"""`manage.py serve` runs all of Easel on one machine: the README's first command."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.processes import clean_env, ensure_collected_static
from tests.fixtures.project import BASE_DIR

BANNER = "Offline demo — images come from the built-in stand-in, not OpenRouter"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_of(data_dir: Path) -> dict[int, str]:
    """Every live process started with this EASEL_DATA_DIR (serve and all its children)."""
    marker = f"EASEL_DATA_DIR={data_dir}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


class Serve:
    def __init__(self, tmp_path: Path, **env):
        ensure_collected_static()  # once for every test process, not raced by two serves at once
        self.data_dir = tmp_path / "data"
        self.port = free_port()
        self.log = tmp_path / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=BASE_DIR,
            env=clean_env(self.data_dir, PYTHONUNBUFFERED="1", **env),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text()

    def wait_until_running(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while "Easel is running at" not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def log_in(client: httpx.Client, username: str, password: str) -> None:
    client.get("/login/")
    response = client.post(
        "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 302, response.text


def test_serve_runs_easel_against_the_stand_in_and_stops_cleanly_on_ctrl_c(tmp_path):
    serve = Serve(tmp_path)
    try:
        serve.wait_until_running()
        password = re.search(r"Username: admin  Password: (\S+)", serve.output()).group(1)
        children = processes_of(serve.data_dir)
        assert any("gunicorn" in cmd for cmd in children.values())
        assert any("run_worker" in cmd for cmd in children.values())
        assert any("openrouter_standin" in cmd for cmd in children.values())

        with httpx.Client(base_url=serve.url, timeout=10) as client:
            assert BANNER in client.get("/login/").text
            log_in(client, "admin", password)
            page = client.get("/").text
            assert BANNER in page
            assert "Gemini 2.5 Flash Image" in page
            model = re.search(r'<option value="(\d+)" selected>', page).group(1)
            response = client.post(
                "/",
                data={
                    "prompt": "a lighthouse on a cliff",
                    "model": model,
                    "aspect_ratio": "16:9",
                    "image_size": "1K",
                    "count": "1",
                    "csrfmiddlewaretoken": client.cookies["csrftoken"],
                },
            )
            assert response.status_code == 302
            card_id = re.search(r'name="live" value="(\d+)"', client.get("/").text).group(1)
            deadline = time.monotonic() + 30
            # Ask for the card as the page's poller does, until it is no longer running.
            while 'name="live"' in (
                card := client.get(
                    "/generations/updates/", params={"live": card_id}, headers={"HX-Request": "true"}
                ).text
            ):
                assert time.monotonic() < deadline, card
                time.sleep(0.3)
            assert "Done in" in card
            assert 'alt="a lighthouse on a cliff"' in card
    finally:
        exit_code = serve.stop()
    assert exit_code == 0, serve.output()
    assert processes_of(serve.data_dir) == {}, "every child stopped"
    assert "Password:" in serve.output()


def test_a_child_that_dies_is_reported_and_stops_the_rest(tmp_path):
    serve = Serve(tmp_path, EASEL_ADMIN_USER="boss", EASEL_ADMIN_PASSWORD="a-long-admin-password")
    try:
        serve.wait_until_running()
        assert "Created the first admin 'boss' with the password from EASEL_ADMIN_PASSWORD." in serve.output()
        worker = next(pid for pid, cmd in processes_of(serve.data_dir).items() if "run_worker" in cmd)
        os.kill(worker, signal.SIGKILL)
        exit_code = serve.process.wait(timeout=60)
    finally:
        serve.stop()
    assert exit_code == 1
    assert "the worker process exited unexpectedly" in serve.output()
    deadline = time.monotonic() + 10
    while processes_of(serve.data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(serve.data_dir) == {}


@pytest.mark.parametrize("variable", ["EASEL_DEBUG=maybe", "PORT=http"])
def test_serve_refuses_a_malformed_variable_in_one_line(tmp_path, variable):
    name, value = variable.split("=")
    result = subprocess.run(
        [sys.executable, "manage.py", "serve"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env=clean_env(tmp_path, **{name: value}),
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert name in result.stderr
