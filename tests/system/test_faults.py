"""Faults against the real processes: nothing acknowledged is lost, nothing is left half-saved or stuck."""

import contextlib
import os
import select
import signal
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from imagegen.models import Generation
from tests.fixtures.processes import (
    WebServer,
    easel_env,
    post_generate,
    signed_in,
    start_manage,
    stop,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


def gunicorn_workers(master_pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
                children.append(int(entry.name))
    return children


def submit(server: WebServer, auth: dict, model, prompt: str, key: str) -> int | str:
    try:
        return post_generate(server, auth, model, prompt, key).status_code
    except httpx.TransportError:
        return "dropped"


def submit_and_wait_until_sent(server: WebServer, auth: dict, model, prompt: str) -> Generation:
    """Submit (key "before") and wait until the worker has sent its request upstream."""
    assert submit(server, auth, model, prompt, "before") == 200
    generation = Generation.objects.get(submission_key="before")
    wait_for(
        lambda: Generation.objects.get(pk=generation.pk).request_sent_at,
        timeout=30,
        message="the generation to start",
    )
    return generation


def test_killing_the_web_process_during_submits_loses_nothing_acknowledged(
    member, image_models, tmp_path, tag
):
    server = WebServer(
        tmp_path / "web.log", EASEL_MAX_SUBMISSIONS_PER_MINUTE="1000", EASEL_MAX_RUNNING_PER_MEMBER="1000"
    )
    outcomes: dict[str, int | str] = {}
    try:
        server.wait_until_ready()
        auth = signed_in(member)
        # On a loaded machine a kill can land while every unanswered request still waits in the listen
        # queue (a new worker then answers them all): kill again until one is cut off mid-request.
        for attempt in range(5):
            keys = [f"{tag}-{attempt}-{n}" for n in range(40)]
            with ThreadPoolExecutor(max_workers=12) as pool:
                futures = {
                    key: pool.submit(submit, server, auth, image_models[GEMINI], f"a kite {key}", key)
                    for key in keys
                }
                # Kill once requests are flowing: some answered, most still queued or in flight.
                while sum(future.done() for future in futures.values()) < 3:
                    time.sleep(0.01)
                for pid in gunicorn_workers(server.process.pid):
                    os.kill(pid, signal.SIGKILL)
                outcomes |= {key: future.result() for key, future in futures.items()}
            server.wait_until_ready()  # gunicorn's master started new workers: Easel answers again
            if "dropped" in outcomes.values():
                break
    finally:
        stop(server.process)

    assert "dropped" in outcomes.values(), "five kills never cut a request off"
    for key, outcome in outcomes.items():
        generation = Generation.objects.filter(submission_key=key).first()
        if outcome == 200:
            assert generation is not None, f"{key} was acknowledged but is gone"
        if generation is not None:
            tasks = DBTaskResult.objects.filter(args_kwargs__kwargs__generation_id=generation.pk)
            assert tasks.count() == 1, f"{key}: a generation without its task, or with two"
    assert DBTaskResult.objects.count() == Generation.objects.count()


class PausableProxy:
    """A TCP proxy in front of PostgreSQL that can make the database unreachable for a while."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.paused = threading.Event()
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.paused.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def pause(self) -> None:
        """Cut every connection and refuse new ones, as a database that went away would."""
        self.paused.set()
        with self.lock:
            for sock in self.connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.connections.clear()

    def resume(self) -> None:
        self.paused.clear()

    def close(self) -> None:
        self.listener.close()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite is a file on this machine: it cannot become unreachable; the SQLite run holds its "
    "write lock for 10 s instead (the next test), and config/tests/test_pages.py covers the 503 page.",
)
def test_the_database_away_for_ten_seconds_gives_a_friendly_503_then_everything_recovers(
    member, image_models, tmp_path, tag
):
    db = connection.settings_dict
    proxy = PausableProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    through_proxy = f"postgres://{db['USER']}:{db['PASSWORD']}@127.0.0.1:{proxy.port}/{db['NAME']}"
    server = WebServer(tmp_path / "web.log", DATABASE_URL=through_proxy)
    worker = start_manage(
        "run_worker",
        log=tmp_path / "worker.log",
        env=easel_env(DATABASE_URL=through_proxy, EASEL_WORKER_POLL_SECONDS="0.1"),
    )
    try:
        server.wait_until_ready()
        auth = signed_in(member)
        generation = submit_and_wait_until_sent(
            server, auth, image_models[GEMINI], f"a slow tide {tag} [latency:4]"
        )

        proxy.pause()  # the generation finishes upstream while the database is away
        outage_started = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=30, **auth) as client:
            during = client.get("/")
        assert during.status_code == 503
        assert during.headers["Retry-After"] == "10"
        assert "can't reach its database" in during.text
        assert "Traceback" not in during.text
        time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
        proxy.resume()

        with httpx.Client(base_url=server.url, timeout=30, **auth) as client:
            wait_for(lambda: client.get("/").status_code == 200, timeout=20, message="the web to recover")
        settled = wait_for(
            lambda: (g := Generation.objects.get(pk=generation.pk)).is_finished and g,
            timeout=60,
            message="the generation to finish",
        )
        assert settled.status == Generation.Status.SUCCEEDED, settled.error_message
        assert settled.images.count() == 1
        assert worker.poll() is None, "the worker rode out the outage"
        assert submit(server, auth, image_models[GEMINI], f"after the storm {tag}", "after") == 200
        wait_for(
            lambda: Generation.objects.get(submission_key="after").is_finished,
            timeout=30,
            message="a new generation after the outage",
        )
    finally:
        proxy.resume()
        stop(server.process)
        stop(worker)
        proxy.close()


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL has no database-wide write lock; its run takes the database away instead (above).",
)
def test_the_sqlite_database_held_by_another_writer_for_ten_seconds_delays_but_loses_nothing(
    member, image_models, tmp_path, tag
):
    """SQLite's outage: another process (a backup, a shell left in a transaction) holds the write lock.

    Pages keep answering (WAL readers never wait for writers), a submission waits for the lock rather
    than failing, and the generation that finishes meanwhile is stored once the lock is released.
    """
    server = WebServer(tmp_path / "web.log")
    worker = start_manage(
        "run_worker", log=tmp_path / "worker.log", env=easel_env(EASEL_WORKER_POLL_SECONDS="0.1")
    )
    holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None)
    try:
        server.wait_until_ready()
        auth = signed_in(member)
        submit_and_wait_until_sent(server, auth, image_models[GEMINI], f"a slow tide {tag} [latency:3]")

        holder.execute("BEGIN IMMEDIATE")  # the image arrives upstream while the lock is held
        held_since = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=30, **auth) as client:
            assert client.get("/").status_code == 200
            assert client.get("/gallery/").status_code == 200
        with ThreadPoolExecutor(max_workers=1) as pool:
            during = pool.submit(submit, server, auth, image_models[GEMINI], f"in the lull {tag}", "during")
            time.sleep(max(0.0, 10 - (time.monotonic() - held_since)))
            assert not during.done(), "the submission waits for the lock"
            holder.execute("ROLLBACK")
            assert during.result(timeout=30) == 200

        for key in ("before", "during"):
            settled = wait_for(
                lambda key=key: (g := Generation.objects.get(submission_key=key)).is_finished and g,
                timeout=60,
                message=f"generation {key} to finish",
            )
            assert settled.status == Generation.Status.SUCCEEDED, settled.error_message
            assert settled.images.count() == 1
        assert worker.poll() is None, "the worker rode out the lock"
    finally:
        holder.close()
        stop(server.process)
        stop(worker)
    logs = (tmp_path / "web.log").read_text() + (tmp_path / "worker.log").read_text()
    assert "database is locked" not in logs
    assert "Traceback" not in logs
