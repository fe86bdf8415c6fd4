"""Run Easel's real processes (worker, gunicorn) against the test database and the stand-in."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    """The URL of the database this test run uses (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    return (
        f"postgres://{user}:{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def ensure_collected_static() -> None:
    """Collect static files once, as a deployment does: production settings serve only collected files.

    Shared by every test process (pytest-xdist): a lock file keeps two from collecting at once.
    """
    import fcntl

    from django.core.management import call_command

    from config.management.commands.serve import static_files_are_current

    with open(BASE_DIR / "staticfiles.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with override_static_root():
            if not static_files_are_current():
                call_command("collectstatic", interactive=False, verbosity=0)


def override_static_root():
    from django.test import override_settings

    return override_settings(
        STATIC_ROOT=BASE_DIR / "staticfiles",
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    )


def easel_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EASEL_", "OPENROUTER_"))}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        EASEL_STATIC_ROOT=str(BASE_DIR / "staticfiles"),
        EASEL_DATA_DIR=str(settings.DATA_DIR),
        DATABASE_URL=database_url(),
        OPENROUTER_API_KEY=settings.OPENROUTER_API_KEY,
        OPENROUTER_BASE_URL=settings.OPENROUTER_BASE_URL,
        OPENROUTER_IDLE_TIMEOUT=str(settings.OPENROUTER_IDLE_TIMEOUT),
        OPENROUTER_TOTAL_TIMEOUT=str(settings.OPENROUTER_TOTAL_TIMEOUT),
        PYTHONUNBUFFERED="1",
        # The worker processes started here compete with the test runner itself, not with a web page;
        # test_the_worker_lowers_its_own_cpu_priority checks the default.
        EASEL_WORKER_NICENESS="0",
    )
    env.update(extra)
    return env


# Runs its arguments as a child and, on SIGTERM, passes it on and waits: the child's exit code is the shell's.
SHELL_PASSING_SIGTERM_ON = "trap 'kill -TERM $!; wait $!; exit $?' TERM; \"$@\" & wait $!"


def start_manage(*args: str, env: dict[str, str], log: Path, leads_session: bool = True) -> subprocess.Popen:
    """`manage.py <args>` leading a session of its own, as `serve` starts it.

    With `leads_session=False` it runs as a terminal starts it: in a new session led by the shell that
    started it, which passes SIGTERM on and waits for it. (Not the test runner's session: a runner started
    without a session of its own, as CI's is, sits in the kernel's default autogroup, unlike a terminal.)"""
    command = [sys.executable, "manage.py", *args]
    if not leads_session:
        command = ["sh", "-c", SHELL_PASSING_SIGTERM_ON, "sh", *command]
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(condition, *, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {message}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    return process.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """gunicorn (one process) serving Easel against the test database, as in production."""

    def __init__(self, log: Path, **env: str):
        ensure_collected_static()
        self.port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=easel_env(
                # The test process signs sessions with its key; the servers must check them with the same.
                SECRET_KEY=settings.SECRET_KEY,
                PORT=str(self.port),
                EASEL_BIND="127.0.0.1",
                EASEL_WEB_WORKERS="1",
                EASEL_WEB_THREADS="8",
                **env,
            ),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        def healthy() -> bool:
            assert self.process.poll() is None, self.log.read_text()
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout=60, interval=0.2, message=f"gunicorn on port {self.port}")


def signed_in(member) -> dict:
    """Cookies and headers of a signed-in htmx request: a session in the shared database, a CSRF token."""
    client = Client()
    client.force_login(member)
    csrf = get_random_string(32)
    return {
        "cookies": {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            "csrftoken": csrf,
        },
        "headers": {"X-CSRFToken": csrf, "HX-Request": "true"},
    }


def post_generate(server: WebServer, auth: dict, model, prompt: str, key: str) -> httpx.Response:
    data = {
        "prompt": prompt,
        "model": str(model.pk),
        "aspect_ratio": "1:1",
        "image_size": "1K",
        "count": "1",
        "submission_key": key,
    }
    with httpx.Client(base_url=server.url, timeout=60, **auth) as client:
        return client.post("/", data=data)
