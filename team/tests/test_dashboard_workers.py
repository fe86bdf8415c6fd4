"""Staff see the workers on the team dashboard: host, process, last heartbeat, generations running, state."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from imagegen import services

pytestmark = pytest.mark.django_db


def beat(worker_id: str, *, pid: int, host: str = "easel-1", seconds_ago: float = 0) -> None:
    services.worker_heartbeat(
        identity=services.WorkerIdentity(worker_id=worker_id, host=host, pid=pid, started_at=timezone.now()),
        now=timezone.now() - timedelta(seconds=seconds_ago),
    )


def row(html: str, pid: int) -> str:
    return re.search(rf'<tr data-worker-pid="{pid}".*?</tr>', html, re.S).group(0)


def figure(html: str, name: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(rf'data-figure="{name}">(.*?)</td>', html, re.S).group(1)).strip()


def test_the_dashboard_lists_each_worker_with_its_state(staff_client, settings):
    beat("alive", pid=101, host="box-a")
    beat("hung", pid=202, host="box-b", seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 30)
    beat("done", pid=303, host="box-c")
    services.worker_stopped(worker_id="done")

    html = staff_client.get("/team/").content.decode()

    assert '<h2 id="workers-heading">Workers</h2>' in html
    for heading in ("Host", "State", "Last heartbeat", "Generations running", "Process"):
        assert f'<th scope="col">{heading}</th>' in html
    alive, hung, done = row(html, 101), row(html, 202), row(html, 303)
    assert "box-a" in alive
    assert figure(alive, "pid") == "101"
    assert figure(alive, "running") == "0"
    assert figure(alive, "state") == "Alive"
    assert figure(alive, "heartbeat").endswith("s ago")
    assert figure(hung, "state") == "Stale — no heartbeat lately"
    assert int(figure(hung, "heartbeat").removesuffix(" s ago")) >= settings.HEARTBEAT_STALE_SECONDS + 30
    assert figure(done, "state") == "Stopped"
    assert "No worker is alive" not in html


def test_the_dashboard_says_plainly_when_no_worker_is_alive(staff_client, settings):
    beat("hung", pid=202, seconds_ago=settings.HEARTBEAT_STALE_SECONDS + 1)
    html = staff_client.get("/team/").content.decode()
    assert "No worker is alive: queued generations wait until one starts" in html


def test_the_dashboard_says_so_when_no_worker_ever_reported(staff_client):
    html = staff_client.get("/team/").content.decode()
    assert "No worker has reported in the last day" in html


def test_workers_show_even_when_the_month_asked_for_is_malformed(staff_client):
    beat("alive", pid=101)
    response = staff_client.get("/team/", {"month": "not-a-month"})
    assert response.status_code == 400
    assert 'data-worker-pid="101"' in response.content.decode()
