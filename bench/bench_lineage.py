"""Benchmark: the lineage view of a 500-image family, and the image page's lineage strips.

Run with `uv run python bench/bench_lineage.py` (options: --family N, --images N, --requests N). Prints a
table and writes it to docs/benchmarks.md under "## Lineage" (only that section is replaced).

A fresh SQLite database (as bench_gallery.py makes it) holds `--images` unrelated images and one family
of `--family` images: a chain of retries (the deep case, hundreds of generations) with a remix and an
edit of two parents branching off every tenth image. Server time through Django's test client as a
signed-in member, as in bench_gallery.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_gallery import configure, p95, timed  # noqa: E402
from bench.report import write_markdown_section  # noqa: E402

HEADING = "## Lineage"
TARGET_MS = 100.0


def seed(*, family: int, others: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from gallery import services
    from gallery.models import Image, ImageParent
    from tests.fixtures.images import png_bytes

    viewer = get_user_model().objects.create_user(username="mira", password="a-long-bench-password")
    files = services.image_files_store(data=png_bytes(64, 64), image_format="PNG")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def row(n: int, prompt: str) -> Image:
        return Image(
            owner=viewer,
            **services.image_file_fields(stored=files),
            mime_type="image/png",
            format="PNG",
            width=64,
            height=64,
            prompt=prompt,
            model_slug="google/gemini-2.5-flash-image",
            cost_usd="0.038700",
            created_at=start + dt.timedelta(minutes=n),
        )

    with transaction.atomic():
        Image.objects.bulk_create([row(n, f"unrelated picture {n}") for n in range(others)], batch_size=2000)
        members = Image.objects.bulk_create(
            [row(others + n, f"a lighthouse in fog, take {n}") for n in range(family)], batch_size=2000
        )
        chain, links = [members[0]], []
        for n, image in enumerate(members[1:], start=1):
            if n % 10 == 0 and n >= 2:  # a remix of the latest and an edit of two earlier ones, off the chain
                links += [
                    ImageParent(child=image, parent=chain[-1], kind=ImageParent.Kind.REMIX),
                    ImageParent(child=image, parent=chain[len(chain) // 2], kind=ImageParent.Kind.EDIT),
                ]
            else:
                links.append(ImageParent(child=image, parent=chain[-1], kind=ImageParent.Kind.RETRY))
                chain.append(image)
        ImageParent.objects.bulk_create(links, batch_size=2000)
    return {"viewer": viewer, "middle": chain[len(chain) // 2], "chain_length": len(chain)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", type=int, default=500)
    parser.add_argument("--images", type=int, default=20_000, help="unrelated images beside the family")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="easel-bench-lineage-"))
    try:
        configure(data_dir)
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client, override_settings

        call_command("migrate", verbosity=0)
        context = seed(family=args.family, others=args.images)
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
            client = Client()
            client.force_login(context["viewer"])
            middle = context["middle"].pk
            rows = []
            for label, url in (
                (f"lineage view, {args.family}-image family", f"/gallery/images/{middle}/lineage"),
                ("image page with its strips", f"/gallery/images/{middle}/"),
            ):
                wall, cpu, queries, size = timed(client, url, args.requests)
                rows.append((label, p95(wall), p95(cpu), queries, size))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    lines = ["| page | p95 wall ms | p95 CPU ms | SQL queries | bytes |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {label} | {wall:.1f} | {cpu:.1f} | {queries} | {size:,} |"
        for label, wall, cpu, queries, size in rows
    ]
    ok = rows[0][1] < TARGET_MS
    verdict = f"Target: the lineage view under {TARGET_MS:g} ms p95: {'met' if ok else 'NOT met'}."
    table = "\n".join(lines)
    print(table)
    print(verdict)
    if not args.no_docs:
        machine = (
            f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} at the end"
        )
        write_markdown_section(
            f"{HEADING}\n\n`uv run python bench/bench_lineage.py`: a fresh SQLite database with {args.images:,} "
            f"unrelated images and one family of {args.family} (a chain of {context['chain_length']} retries, "
            "a remix and a two-parent edit branching off every tenth), "
            f"{args.requests} timed requests per page through Django's test client as a signed-in member.\n\n"
            f"{table}\n\n{verdict}\n\nMeasured on {machine}.\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
