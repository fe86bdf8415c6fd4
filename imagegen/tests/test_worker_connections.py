"""The worker's database connections: each thread keeps its own while it works, and closes it when done."""

import threading

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from imagegen.models import Generation
from tests.fixtures.generations import queue_generation
from tests.fixtures.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


@pytest.fixture
def persistent_connections(monkeypatch):
    """Connections kept between uses (CONN_MAX_AGE), as Easel's PostgreSQL settings keep them, on SQLite too.

    Threads started from now on read the shared settings dict when they first connect."""
    monkeypatch.setitem(connections.settings[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 60)


def test_a_stopped_worker_leaves_no_connection_open(
    persistent_connections, member, image_models, task_worker, tag
):
    """Found by CI on PostgreSQL: a pool thread's connection outlived the worker until the garbage
    collector found it, and the test database could not be dropped while it lingered."""
    opened = []

    def remember(sender, connection, **kwargs):
        opened.append((threading.current_thread().name, connection))

    connection_created.connect(remember)
    try:
        generations = [
            queue_generation(
                member, image_models[GEMINI], f"a lighthouse {n} {tag} [latency:0.2]", count=count
            )
            for n, count in enumerate((1, 2, 1))
        ]
        wait_for(
            lambda: all(Generation.objects.get(pk=g.pk).is_finished for g in generations),
            timeout=60,
            message="the generations to finish",
        )
        task_worker.stopping.set()
        wait_for(
            lambda: not any(t.name in ("test-worker", "progress-writer") for t in threading.enumerate()),
            timeout=60,
            message="the worker and its progress writer to end",
        )
    finally:
        connection_created.disconnect(remember)
    used_by = {name.rstrip("0123456789_") for name, _ in opened}
    assert "generation" in used_by, "the pool threads used the database"
    assert [name for name, connection in opened if connection.connection is not None] == []
