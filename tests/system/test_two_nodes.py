"""Two Easel nodes that share nothing but PostgreSQL, an S3 bucket and SECRET_KEY: each with its own
gunicorn, worker and data directory. Signed in on A is signed in on B; a picture generated through A is
served by B; a link made on B opens on A; B's worker settles what A's killed worker left; and neither
data directory holds a single media file."""

import os
import re
import signal

import httpx
import pytest
from django.conf import settings
from django.db import connection

from gallery.models import Image
from imagegen.models import Generation
from tests.fixtures.browser import PASSWORD
from tests.fixtures.generations import queue_generation
from tests.fixtures.processes import WebServer, easel_env, start_manage, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"
FAST = {"EASEL_WORKER_POLL_SECONDS": "0.05", "EASEL_HEARTBEAT_SECONDS": "0.5"}


@pytest.fixture
def nodes(s3_media, tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("Two nodes share one database over the network: PostgreSQL only (SQLite is a local file)")
    started = {}
    for name in ("a", "b"):
        data_dir = tmp_path / f"node-{name}"
        data_dir.mkdir(mode=0o700)
        env = {"EASEL_DATA_DIR": str(data_dir), **s3_media.env()}
        if name == "b":
            # B's web processes and worker share a pool of two connections each (fewer than their threads).
            env["EASEL_DATABASE_POOL_SIZE"] = "2"
        started[name] = {"data": data_dir, "env": env, "web": WebServer(tmp_path / f"web-{name}.log", **env)}
    for node in started.values():
        node["web"].wait_until_ready()
    yield started
    for node in started.values():
        node["web"].process.terminate()
        node["web"].process.wait(timeout=30)


def worker(node, log, **extra):
    return start_manage(
        "run_worker", env=easel_env(SECRET_KEY=settings.SECRET_KEY, **node["env"], **FAST, **extra), log=log
    )


def form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    login = client.get("/login/")
    response = client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": form_token(login.text)},
        headers={"Referer": f"{base_url}/login/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


def status_of(generation) -> Generation:
    return Generation.objects.get(pk=generation.pk)


def test_two_nodes_share_sign_in_pictures_links_and_recovery(
    nodes, member, image_models, s3_media, tmp_path, tag
):
    a, b = nodes["a"], nodes["b"]

    # Signed in on A, and so on B: the session lives in the shared database, signed with the shared key.
    on_a = sign_in(a["web"].url, member.username)
    on_b = httpx.Client(base_url=b["web"].url, cookies=on_a.cookies, timeout=60)
    assert on_b.get("/gallery/").status_code == 200

    # A's worker dies in the middle of a generation; B's worker settles it.
    slow = queue_generation(member, image_models[GEMINI], f"endless sea {tag} [latency:60]")
    worker_a = worker(a, tmp_path / "worker-a.log")
    wait_for(lambda: status_of(slow).request_sent_at, timeout=30, message="A's worker to send the request")
    os.killpg(worker_a.pid, signal.SIGKILL)
    worker_a.wait(timeout=10)
    worker_b = worker(
        b, tmp_path / "worker-b.log", EASEL_HEARTBEAT_STALE_SECONDS="3", EASEL_RECOVERY_INTERVAL_SECONDS="0.5"
    )
    try:
        settled = wait_for(
            lambda: status_of(slow).is_finished and status_of(slow), timeout=60, message="recovery"
        )
        assert settled.error_kind == "interrupted"

        # Generated through A's page, run by B's worker, the picture is on B.
        page = on_a.get("/")
        response = on_a.post(
            "/",
            data={
                "prompt": f"a red kite {tag}",
                "model": str(image_models[GEMINI].pk),
                "aspect_ratio": "1:1",
                "count": "1",
                "submission_key": f"key-{tag}",
                "csrfmiddlewaretoken": form_token(page.text),
            },
            headers={"HX-Request": "true", "Referer": f"{a['web'].url}/"},
        )
        assert response.status_code == 200, response.text[:500]
        image = wait_for(
            lambda: Image.objects.filter(prompt__contains=tag).first(), timeout=60, message="the image"
        )
    finally:
        stop(worker_b)
    assert f"a red kite {tag}" in on_b.get("/").text  # B's Generate page shows A's card, finished
    thumbnail = on_b.get(f"/gallery/images/{image.pk}/thumbnail")
    assert thumbnail.status_code == 200
    assert thumbnail.content[8:12] == b"WEBP"
    assert (
        on_b.get(f"/gallery/images/{image.pk}/original").content
        == on_a.get(f"/gallery/images/{image.pk}/original").content
    )

    # Shared from B, opened on A by a stranger.
    create = on_b.get(f"/shared/new/?image={image.pk}")
    made = on_b.post(
        f"/shared/new/?image={image.pk}",
        data={"expiry": "30d", "allow_download": "on", "csrfmiddlewaretoken": form_token(create.text)},
        headers={"Referer": f"{b['web'].url}/shared/new/"},
    )
    token = re.search(r"/s/([A-Za-z0-9_-]{20,})/", made.text).group(1)
    stranger = httpx.Client(base_url=a["web"].url, timeout=60)
    assert stranger.get(f"/s/{token}/").status_code == 200
    assert stranger.get(f"/s/{token}/i/{image.pk}/original").content == thumbnail_source(s3_media, image)

    # Nothing either node wrote locally is media: it is all in the bucket.
    assert image.file_name in s3_media.object_names()
    for node in (a, b):
        media = [p for p in node["data"].rglob("*") if p.is_file() and p.suffix in {".png", ".webp", ".jpg"}]
        assert media == []
        assert not (node["data"] / "media").exists()


def thumbnail_source(s3_media, image) -> bytes:
    """The original's bytes, read from the bucket itself."""
    return s3_media.server.client().get_object(Bucket=s3_media.name, Key=image.file_name)["Body"].read()
