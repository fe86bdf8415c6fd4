"""Starting Easel's processes for benchmarks: free ports, child processes, a throwaway PostgreSQL database."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def postgres_database(admin_url: str, prefix: str = "easel_load") -> tuple[str, str]:
    """A new, empty database beside the one `admin_url` names: (its URL, its name)."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Bench:
    """A benchmark's own data directory and database, and the environment Easel's processes get."""

    data_dir: Path
    logs: Path
    vendor: str
    env: dict[str, str]
    admin_url: str = ""  # PostgreSQL runs: the DATABASE_URL given, used to create and drop the database
    pg_name: str = ""

    def stop(self, processes: list[subprocess.Popen]) -> None:
        """Stop the processes (last started, first stopped), then drop a throwaway PostgreSQL database."""
        for process in reversed(processes):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=120)
        if self.pg_name:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(self.admin_url, self.pg_name)


def bench_setup(name: str, **env: str) -> Bench:
    """A fresh data directory; SQLite in it, or a throwaway database when DATABASE_URL names a PostgreSQL."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"easel-bench-{name}-"))
    logs = data_dir / "logs"
    logs.mkdir()
    admin_url = os.environ.get("DATABASE_URL", "")
    database_url, pg_name = (
        postgres_database(admin_url) if admin_url else (f"sqlite:///{data_dir / 'easel.sqlite3'}", "")
    )
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("EASEL_", "OPENROUTER_", "DATABASE_URL"))
    }
    return Bench(
        data_dir=data_dir,
        logs=logs,
        vendor="PostgreSQL" if admin_url else "SQLite",
        env={
            **inherited,
            "EASEL_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            **env,
        },
        admin_url=admin_url,
        pg_name=pg_name,
    )


def start_standin(
    *, port: int, latency: str, env: dict, log: Path, answer_log: Path | None = None
) -> subprocess.Popen:
    """The stand-in plays OpenRouter, a remote service: its latency runs from each request's arrival, and it
    draws its pictures in two helper processes at the lowest CPU priority (OpenRouter draws on its own
    machines), so the drawing takes as little as possible from the Easel being measured. Accepting and
    answering connections keeps normal priority, as a remote server's would: at the lowest priority, a
    burst's connections waited up to 1.8 s in its accept queue while Easel's submissions held the CPU.
    `answer_log`: where it notes when each request arrived and its answer was written (see StandinServer)."""
    command = [sys.executable, "-m", "openrouter.standin", "--port", str(port), "--drawing-processes", "2"]
    if answer_log is not None:
        command += ["--answer-log", str(answer_log)]
    process = start([*command, "--latency", latency], env, log)
    wait_http(f"http://127.0.0.1:{port}/api/v1/models")
    return process
