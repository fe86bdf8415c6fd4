"""Load: 30 simulated members browsing, searching and generating against real processes for 5 minutes.

    uv run python bench/bench_load.py                       # SQLite
    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres uv run python bench/bench_load.py
        (PostgreSQL: a fresh database easel_load_<random> is created next to the one named, then dropped)

gunicorn (2 processes × 8 threads), one worker process, and the stand-in answering after 2–20 s run as
separate processes; locust drives them over HTTP. Afterwards every submitted generation must be done or
failed with a clear error, and no log may mention "database is locked". Writes docs/benchmarks.md.
"""

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import bench_setup, free_port, start, start_standin, wait_http  # noqa: E402
from bench.report import write_section  # noqa: E402


def seed(members: int, images: int) -> tuple[list[dict], list[int], int]:
    """Members with signed-in sessions, a gallery of `images` rows (a few real files), the default model."""
    import datetime as dt
    import io
    import random

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils.crypto import get_random_string
    from PIL import Image as PILImage

    from gallery import services
    from gallery.models import Image
    from imagegen.client import openrouter_client
    from imagegen.model_sync import models_sync
    from imagegen.models import ImageModel

    models_sync(client=openrouter_client(), enable_all=True)
    model = ImageModel.objects.get(is_default=True)
    users = [
        get_user_model().objects.create_user(username=f"member{n}", password=secrets.token_urlsafe(16))
        for n in range(members)
    ]
    sessions = []
    for user in users:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        sessions.append({"session": store.session_key, "csrf": get_random_string(32)})
    rng = random.Random(7)
    stored = []
    for n in range(12):
        buffer = io.BytesIO()
        PILImage.effect_noise((512, 512), 40 + n).convert("RGB").save(buffer, "PNG")
        stored.append(services.image_files_store(data=buffer.getvalue(), image_format="PNG"))
    words = [
        "fox",
        "lighthouse",
        "harbour",
        "castle",
        "forest",
        "neon",
        "winter",
        "portrait",
        "city",
        "garden",
    ]
    start_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        Image(
            owner=users[n % members],
            **services.image_file_fields(stored=stored[n % len(stored)]),
            mime_type="image/png",
            format="PNG",
            width=512,
            height=512,
            aspect_ratio="1:1",
            image_size="1K",
            prompt=" ".join(rng.choice(words) for _ in range(8)),
            model_slug=model.openrouter_id,
            model_name=model.name,
            cost_usd="0.038700",
            created_at=start_date + dt.timedelta(minutes=n),
        )
        for n in range(images)
    ]
    with transaction.atomic():
        Image.objects.bulk_create(rows, batch_size=2000)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    return sessions, list(Image.objects.values_list("pk", flat=True)[:2000]), model.pk


def start_nodes(args, bench, processes: list) -> tuple[list[str], list[Path]]:
    """`--nodes` Easel nodes, each its own gunicorn, worker and data directory, sharing the database (and,
    with --s3, a bucket on an S3-compatible server on loopback, as the two-node system test starts it).
    Returns the nodes' base URLs and data directories."""
    env = dict(bench.env)
    if args.s3:
        from django.test import override_settings

        from tests.fixtures.s3 import start_s3_server

        server = start_s3_server(bench.logs / "moto.log")
        processes.insert(1, server.process)  # stopped after the nodes that use it
        bucket = server.new_bucket()
        env.update(bucket.env())
        # This process seeds the gallery: its files go to the same bucket.
        override_settings(STORAGES={**_storages(), "default": bucket.storage()}).enable()
    web = {"EASEL_WEB_WORKERS": "1"} if args.nodes > 1 else {}  # the two-node system test's gunicorn
    urls, data_dirs = [], []
    for n in range(args.nodes):
        data_dir = bench.data_dir / f"node-{n}" if args.nodes > 1 else bench.data_dir
        data_dir.mkdir(mode=0o700, exist_ok=True)
        port = free_port()
        node_env = {**env, **web, "EASEL_DATA_DIR": str(data_dir), "PORT": str(port)}
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        processes.append(start(gunicorn, node_env, bench.logs / f"web-{n}.log"))
        worker = [sys.executable, "manage.py", "run_worker"]
        processes.append(start(worker, node_env, bench.logs / f"worker-{n}.log"))
        urls.append(f"http://127.0.0.1:{port}")
        data_dirs.append(data_dir)
    return urls, data_dirs


def _storages() -> dict:
    from django.conf import settings

    return settings.STORAGES


def media_files_in(data_dirs: list[Path]) -> int:
    """Picture files the nodes wrote locally (with S3 media there must be none)."""
    return sum(
        1
        for data_dir in data_dirs
        for path in data_dir.rglob("*")
        if path.suffix in {".png", ".webp", ".jpg"}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--latency", default="2-20")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=1, help="Easel nodes (gunicorn + worker each)")
    parser.add_argument("--s3", action="store_true", help="media in a bucket of a local S3 server (moto)")
    args = parser.parse_args()
    if args.nodes > 1 and not os.environ.get("DATABASE_URL"):
        parser.error("several nodes share one database over the network: set DATABASE_URL (PostgreSQL)")

    standin_port = free_port()
    bench = bench_setup(
        "load",
        OPENROUTER_API_KEY="sk-or-v1-load",
        OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
        EASEL_ACCESS_LOG="false",
        # Every node checks sessions with the same key (one would otherwise be made per data directory).
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    data_dir, logs, vendor, env = bench.data_dir, bench.logs, bench.vendor, bench.env
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    processes = [start_standin(port=standin_port, latency=args.latency, env=env, log=logs / "standin.log")]
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        urls, data_dirs = start_nodes(args, bench, processes)
        sessions, image_ids, model_id = seed(args.users, args.images)
        sessions_file = data_dir / "sessions.json"
        sessions_file.write_text(json.dumps(sessions))
        for url in urls:
            wait_http(f"{url}/healthz")
        time.sleep(3)

        started = time.monotonic()
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                "bench/load/locustfile.py",
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "5",
                "-t",
                f"{int(args.minutes * 60)}s",
                "--host",
                urls[0],
                "--csv",
                str(data_dir / "locust"),
                "--only-summary",
            ],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            env={
                **env,
                "EASEL_LOAD_SESSIONS": str(sessions_file),
                "EASEL_LOAD_IMAGE_IDS": json.dumps(image_ids),
                "EASEL_LOAD_MODEL_ID": str(model_id),
                "EASEL_LOAD_HOSTS": json.dumps(urls),
            },
        )
        ran = time.monotonic() - started
        (logs / "locust.log").write_text(locust.stdout + locust.stderr)

        from imagegen.models import Generation

        deadline = time.monotonic() + 60  # the longest upstream latency, and then some
        while (
            Generation.objects.exclude(status__in=Generation.FINAL_STATUSES).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(1)
        generations = {
            status: Generation.objects.filter(status=status).count() for status in Generation.Status.values
        }
        unfinished = generations["queued"] + generations["running"]
        failures = dict(
            Generation.objects.filter(status="failed")
            .values_list("error_kind")
            .order_by()
            .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        )
        local_media = media_files_in(data_dirs) if args.s3 else None
    finally:
        bench.stop(processes)

    locked = sum(log.read_text().count("database is locked") for log in logs.glob("*.log"))
    tracebacks = sum(log.read_text().count("Traceback") for log in logs.glob("*.log"))
    rows = []
    server_errors = 0
    with open(data_dir / "locust_stats.csv") as handle:
        for record in csv.DictReader(handle):
            if record["Name"] == "Aggregated":
                total, total_failures = int(record["Request Count"]), int(record["Failure Count"])
                continue
            rows.append(
                (
                    record["Name"],
                    int(record["Request Count"]),
                    int(record["Failure Count"]),
                    record["50%"],
                    record["95%"],
                    record["99%"],
                )
            )
            server_errors += int(record["Failure Count"])
    pages = [row for row in rows if row[0] != "submit generation"]
    worst_page_p95 = max(float(row[4]) for row in pages)
    table = [
        "| request | count | 5xx / errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    table += [
        f"| {name} | {count} | {failed} | {p50} | {p95} | {p99} |"
        for name, count, failed, p50, p95, p99 in sorted(rows)
    ]
    summary = [
        "",
        f"- {args.users} members for {ran / 60:.1f} min, stand-in latency {args.latency} s, {args.images} images in the gallery",
        f"- requests: {total}, 5xx or connection errors: {total_failures}",
        f"- generations: {generations['succeeded']} done, {generations['failed']} failed with a message "
        f"{failures or ''}, {unfinished} unfinished",
        f'- "database is locked" in any log: {locked}; tracebacks in any log: {tracebacks}',
        f"- worst page p95: {worst_page_p95:.0f} ms (target < 200 ms)",
    ]
    if local_media is not None:
        summary.append(
            f"- picture files in the nodes' own data directories: {local_media} (all media in the bucket)"
        )
    load = os.getloadavg()
    summary.append(
        f"- load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)"
    )
    text = "\n".join(table + summary)
    print(text)
    media = " and S3 (moto_server on loopback)" if args.s3 else ""
    if args.nodes > 1:
        title = f"Load, {args.nodes} nodes ({vendor}{' and S3' if args.s3 else ''})"
        command = f"DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres uv run python bench/bench_load.py --nodes {args.nodes}{' --s3' if args.s3 else ''}"
        layout = (
            f"{args.nodes} nodes as the two-node system test starts them, each its own gunicorn (1 × 8 threads), "
            "worker process and data directory, sharing nothing but the database, the bucket and SECRET_KEY; "
            "each simulated member keeps to one node, the members spread evenly over the nodes"
        )
    else:
        title = f"Load ({vendor})"
        command = "uv run python bench/bench_load.py"
        layout = "gunicorn 2 × 8 threads, one worker process"
    ok = (
        total_failures == 0
        and tracebacks == 0
        and unfinished == 0
        and worst_page_p95 < 200
        and not local_media
    )
    write_section(
        title,
        f"`{command}` on {vendor}{media}: {layout}; locust on the same 2-core machine, shared with other "
        f"work. Target: no errors, page p95 < 200 ms: {'met' if ok else 'NOT met'}.\n\n" + text,
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
