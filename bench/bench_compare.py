"""Benchmark: the Compare page and a six-column board with 100,000 images in the gallery (SQLite).

Run with `uv run python bench/bench_compare.py` (options: --images N, --requests N, --no-docs). Prints a
table and writes it to docs/benchmarks.md under "## Compare" (only that section is replaced).

A fresh SQLite database gets the stand-in's models through the real sync (the stand-in runs only for
that), `--images` gallery images, 200 earlier boards and one board of six finished columns, each with
its image. Server time through Django's test client as the signed-in member who made the boards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_gallery import p95, timed  # noqa: E402
from bench.harness import bench_setup, free_port, start, wait_http  # noqa: E402
from bench.report import write_markdown_section  # noqa: E402

HEADING = "## Compare"
TARGET_MS = 50.0
EARLIER_BOARDS = 200


def sync_models(env: dict, logs: Path, port: int) -> None:
    """The stand-in's catalogue, synced as `serve` does in demo mode; the stand-in stops afterwards."""
    # At normal priority, unlike the generating benchmarks: it only answers the sync, before any timing, and
    # at the lowest priority on a loaded machine it may not even start within a minute.
    standin = start(
        [sys.executable, "-m", "openrouter.standin", "--port", str(port)], env, logs / "standin.log"
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/models", timeout=300)
        from imagegen.client import openrouter_client
        from imagegen.model_sync import models_sync

        models_sync(client=openrouter_client(), enable_all=True)
    finally:
        os.killpg(standin.pid, signal.SIGTERM)
        standin.wait(timeout=60)


def seed(*, images: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from compare.models import Board, BoardCell
    from gallery import services
    from gallery.models import Image
    from imagegen.models import Generation, ImageModel
    from tests.fixtures.images import png_bytes

    member = get_user_model().objects.create_user(username="mira", password="a-long-bench-password")
    files = services.image_files_store(data=png_bytes(64, 64), image_format="PNG")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    models = list(ImageModel.objects.filter(enabled=True).order_by("sort_order", "name")[:6])
    assert len(models) == 6, "the stand-in's catalogue has six image models"

    def image(n: int, **fields) -> Image:
        return Image(
            owner=member, **services.image_file_fields(stored=files), mime_type="image/png", format="PNG",
            width=64, height=64, prompt=f"picture {n} of a harbour in fog", model_slug=models[n % 6].openrouter_id,
            cost_usd="0.038700", created_at=start + dt.timedelta(seconds=n), **fields,
        )  # fmt: skip

    def board(n: int) -> Board:
        made = Board.objects.create(member=member, prompt=f"board {n}: a heron at dawn", created_at=start)
        for position, model in enumerate(models):
            generation = Generation.objects.create(
                member=member, model=model, prompt=made.prompt, status=Generation.Status.SUCCEEDED,
                stage=Generation.Stage.DONE, cost_usd="0.03", started_at=start,
                finished_at=start + dt.timedelta(seconds=4 + position), created_at=start,
            )  # fmt: skip
            BoardCell.objects.create(board=made, position=position, model=model, generation=generation)
            Image.objects.bulk_create(
                [image(images + n * 6 + position, generation=generation, provider="Bench")]
            )
        return made

    with transaction.atomic():
        Image.objects.bulk_create([image(n) for n in range(images)], batch_size=2000)
        for n in range(EARLIER_BOARDS):
            board(n)
        latest = board(EARLIER_BOARDS)
    return {"member": member, "board": latest}


def record(args, table: str, verdict: str) -> None:
    machine = (
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    write_markdown_section(
        f"{HEADING}\n\n`uv run python bench/bench_compare.py`: a fresh SQLite database with the stand-in's six "
        f"models (synced), {args.images:,} gallery images, {EARLIER_BOARDS} earlier boards and one board of six "
        f"finished columns; {args.requests} timed requests per page through Django's test client as the "
        f"member who made them.\n\n{table}\n\n{verdict}\n\nMeasured on {machine}.\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    standin_port = free_port()
    bench = bench_setup(
        "compare",
        OPENROUTER_API_KEY="sk-or-v1-bench",
        OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
        EASEL_ALLOWED_HOSTS="testserver",
    )
    os.environ.update(bench.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client, override_settings

        call_command("migrate", verbosity=0)
        sync_models(bench.env, bench.logs, standin_port)
        context = seed(images=args.images)
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
            client = Client()
            client.force_login(context["member"])
            board = context["board"].pk
            htmx = {"HTTP_HX_REQUEST": "true"}
            rows = []
            for label, url, headers in (
                ("Compare page", "/compare/", {}),
                ("board of six columns", f"/compare/boards/{board}/", {}),
                ("board's columns (the poll, htmx)", f"/compare/boards/{board}/columns", htmx),
                (f"boards list ({EARLIER_BOARDS + 1} boards)", "/compare/boards/", {}),
            ):
                wall, cpu, queries, size = timed(client, url, args.requests, **headers)
                rows.append((label, p95(wall), p95(cpu), queries, size))
    finally:
        shutil.rmtree(bench.data_dir, ignore_errors=True)

    lines = ["| page | p95 wall ms | p95 CPU ms | SQL queries | bytes |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {label} | {wall:.1f} | {cpu:.1f} | {queries} | {size:,} |"
        for label, wall, cpu, queries, size in rows
    ]
    ok = all(wall < TARGET_MS for _, wall, *_ in rows[:2])
    verdict = f"Target: the Compare page and the six-column board under {TARGET_MS:g} ms p95: {'met' if ok else 'NOT met'}."
    table = "\n".join(lines)
    print(table)
    print(verdict)
    if not args.no_docs:
        record(args, table, verdict)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
