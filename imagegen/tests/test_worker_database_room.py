"""A worker too big for PostgreSQL's connections says so at start, with the numbers and what to change.

Found running bench_generate.py on PostgreSQL with 100 worker threads: past max_connections the server
refused new connections, generations retried as if the database were down and the pages failed, and
nothing named the cause."""

import logging

import pytest
from django.core.management import call_command
from django.db import connection

from imagegen import selectors
from imagegen.management.commands import run_worker

pytestmark = pytest.mark.django_db


def test_postgresql_reports_its_room_for_connections_and_sqlite_has_no_such_limit():
    room = selectors.database_connection_room()
    if connection.vendor == "sqlite":
        assert room is None
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        assert room.max_connections == int(cursor.fetchone()[0])
    assert room.reserved >= 0
    assert room.in_use >= 1, "this test's own connection is one"
    assert room.free == room.max_connections - room.reserved - room.in_use


def test_a_worker_that_fits_is_not_warned():
    assert selectors.worker_connections_problem(threads=1) is None


def test_a_worker_with_more_threads_than_postgresql_has_room_for_is_told_what_to_change():
    problem = selectors.worker_connections_problem(threads=100_000)
    if connection.vendor == "sqlite":
        assert problem is None, "SQLite opens a connection per thread with no server limit"
        return
    room = selectors.database_connection_room()
    assert "runs 100000 generations at once (EASEL_WORKER_THREADS or --threads)" in problem
    assert "can hold 100002 database connections" in problem
    assert f"max_connections {room.max_connections}" in problem
    assert (
        "raise max_connections (or put PgBouncer in front), or set EASEL_DATABASE_POOL_SIZE (a few "
        "connections that all its threads share), or lower EASEL_WORKER_THREADS"
    ) in problem


def test_with_a_pool_the_worker_needs_the_pools_connections_whatever_its_threads(settings):
    settings.DATABASE_POOL_SIZE = 4
    assert selectors.worker_connections_problem(threads=100_000) is None

    settings.DATABASE_POOL_SIZE = 100_000
    problem = selectors.worker_connections_problem(threads=1)
    if connection.vendor == "sqlite":
        assert problem is None
        return
    assert "keeps up to 100000 database connections (EASEL_DATABASE_POOL_SIZE)" in problem
    assert problem.endswith("or lower EASEL_DATABASE_POOL_SIZE.")


def test_the_worker_logs_the_problem_at_start_and_still_runs(monkeypatch, caplog):
    asked = []
    monkeypatch.setattr(run_worker, "lower_cpu_priority", lambda niceness: None)
    monkeypatch.setattr(run_worker.services, "generation_path_warm_up", lambda: None)
    monkeypatch.setattr(run_worker.PoolWorker, "install_signal_handlers", lambda self: None)
    monkeypatch.setattr(run_worker.PoolWorker, "run", lambda self: asked.append("run"))
    monkeypatch.setattr(
        selectors, "worker_connections_problem", lambda *, threads: asked.append(threads) or "too many"
    )

    with caplog.at_level(logging.WARNING, logger="easel.worker"):
        call_command("run_worker", threads=7)

    assert asked == [7, "run"]
    assert [r.getMessage() for r in caplog.records if r.name == "easel.worker"] == ["too many"]
