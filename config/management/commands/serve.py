"""`manage.py serve`: all of Easel on one machine, in one command.

Applies migrations, creates the first admin, then runs gunicorn and the task worker as child processes
(and, with no OPENROUTER_API_KEY, the offline OpenRouter stand-in), and keeps them up: a child that dies
is started again (config/supervisor.py); only a crash loop stops everything. `serve` itself holds the
web port, so pages wait rather than fail while a new web server starts. Ctrl-C stops every child cleanly.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config.env import env_str
from config.permissions import restrict_new_files
from config.supervisor import ChildSpec, Supervisor, describe_exit

BASE_DIR = Path(settings.BASE_DIR)
STOP_GRACE_SECONDS = {"web": 30, "worker": None, "stand-in": 5}  # None: as long as generations take
LISTEN_BACKLOG = 2048  # gunicorn's default: connections wait here while a new web server starts


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived while starting up."""


class Command(BaseCommand):
    help = "Run Easel on this machine: web server, task worker and (without an API key) the offline stand-in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=settings.PORT, help="Web port (default: PORT or 8000)."
        )
        parser.add_argument(
            "--bind",
            default=env_str("EASEL_BIND", "127.0.0.1"),
            help="Address to listen on (default: EASEL_BIND or 127.0.0.1).",
        )

    def handle(self, *, port: int, bind: str, verbosity: int, **options):
        # The database, media and backups this command and its children create are for this user alone.
        # (Existing files others can read were named by the system check that ran before this.)
        restrict_new_files()
        self.stopping = False
        self.supervisor = Supervisor(report=lambda line: self.stderr.write(line))
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        exit_code = 0
        try:
            call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
            if not static_files_are_current():
                self.stdout.write("Collecting static files (first start only)…")
                call_command("collectstatic", interactive=False, verbosity=0)
            self._ensure_first_admin()
            listener = _listen(bind, port)
            env = {**os.environ, "PORT": str(port), "EASEL_BIND": bind, "PYTHONUNBUFFERED": "1"}
            env["EASEL_LISTEN_FD"] = str(listener.fileno())
            if not settings.OPENROUTER_API_KEY:
                self._start_standin(env)
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            self._start("web", gunicorn, env, pass_fds=(listener.fileno(),))
            self._start("worker", [sys.executable, "manage.py", "run_worker"], env)
            local = "127.0.0.1" if bind in ("0.0.0.0", "::") else bind
            self._wait_until_answering("web", f"http://{local}:{port}/healthz")
            host = "localhost" if bind in ("0.0.0.0", "127.0.0.1", "::") else bind
            self.stdout.write(
                self.style.SUCCESS(f"Easel is running at http://{host}:{port}/  (Ctrl-C stops it)")
            )
            crash_loop = self.supervisor.supervise(stopping=lambda: self.stopping)
            if crash_loop is not None:
                self.stderr.write(self.style.ERROR(crash_loop.message()))
                exit_code = 1
        except StopRequested:
            pass
        finally:
            self.supervisor.stop_all()
        if exit_code:
            sys.exit(exit_code)

    # --- first admin ----------------------------------------------------------------------------
    def _ensure_first_admin(self) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        username = env_str("EASEL_ADMIN_USER", "admin")
        password = os.environ.get("EASEL_ADMIN_PASSWORD", "")
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"There is no admin yet, and the user {username!r} exists but is not one: "
                f"set EASEL_ADMIN_USER to a new name, or run `manage.py createsuperuser`."
            )
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created the first admin. Username: {username}  Password: {password}\n"
                    "This password is shown once: sign in and change it (or set EASEL_ADMIN_PASSWORD next time)."
                )
            )
        else:
            self.stdout.write(
                f"Created the first admin {username!r} with the password from EASEL_ADMIN_PASSWORD."
            )

    # --- the offline stand-in -------------------------------------------------------------------
    def _start_standin(self, env: dict) -> None:
        standin_port = _free_port()
        self._start(
            "stand-in", [sys.executable, "manage.py", "openrouter_standin", "--port", str(standin_port)], env
        )
        self._wait_until_answering("stand-in", f"http://127.0.0.1:{standin_port}/api/v1/models")
        env.update(
            OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
            OPENROUTER_API_KEY="sk-or-v1-offline-stand-in",
            EASEL_OFFLINE_DEMO="true",
        )
        # Same code path as an admin's sync, pointed at the stand-in, with its image models enabled.
        subprocess.run(
            [sys.executable, "manage.py", "sync_models", "--enable-all"], env=env, check=True, cwd=BASE_DIR
        )
        self.stdout.write(
            self.style.WARNING(
                "No OPENROUTER_API_KEY: running the offline demo. "
                "Images come from the built-in stand-in, not OpenRouter."
            )
        )

    # --- children -------------------------------------------------------------------------------
    def _start(self, name: str, command: list[str], env: dict, pass_fds: tuple[int, ...] = ()) -> None:
        if self.stopping:
            raise StopRequested
        spec = ChildSpec(
            name=name,
            command=command,
            env=dict(env),
            cwd=BASE_DIR,
            pass_fds=pass_fds,
            stop_grace_seconds=STOP_GRACE_SECONDS.get(name),
            # Web and worker first (the worker may be talking to the stand-in), the stand-in last.
            stop_last=name == "stand-in",
        )
        self.supervisor.start(spec)

    def _wait_until_answering(self, name: str, url: str, timeout: float = 90) -> None:
        """Until `url` answers over HTTP: a bound port is not enough, the app must have loaded."""
        deadline = time.monotonic() + timeout
        child = self.supervisor.child(name)
        while time.monotonic() < deadline:
            if self.stopping:
                raise StopRequested
            if child.process.poll() is not None:
                raise CommandError(
                    f"The {name} process exited with {describe_exit(child.process.returncode)} while starting."
                )
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise CommandError(f"The {name} process did not answer at {url} within {timeout:.0f} s.")

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:
            self.stderr.write("easel: stopping now.")
            self.supervisor.kill_all()
            os._exit(1)
        self.stopping = True
        self.stderr.write("easel: stopping (running generations finish first; Ctrl-C again to force)…")


def _listen(bind: str, port: int) -> socket.socket:
    """The web port, opened by `serve` and handed to each web server it starts (`fd://` in gunicorn.conf.py).

    While a web server that died is replaced, the port stays open: browsers' and probes' connections wait
    in its queue for the new one instead of being refused."""
    try:
        family = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        return socket.create_server((bind, port), family=family, backlog=LISTEN_BACKLOG)
    except OSError as error:
        raise CommandError(
            f"Cannot listen on {bind}:{port} ({error.strerror or error}): is another program using the "
            "port? Choose another with --port or PORT."
        ) from None


def static_files_are_current() -> bool:
    """Whether collectstatic already ran since the last change to any static file (it takes seconds)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore_patterns):
            if os.path.getmtime(storage.path(path)) > built:
                return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
