"""Benchmark: the gallery at 100,000 images (SQLite) or 1,000,000 (PostgreSQL) — grid, search and filtered
pages, thumbnails, page weight — and the Generate page of a member with 20,000 past generations.

    uv run python bench/bench_gallery.py                        # SQLite, 100k
    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres \
        uv run python bench/bench_gallery.py --images 1000000    # PostgreSQL, in a throwaway database

Options: --images N, --check-at N, --requests N. Prints a table and writes it to docs/benchmarks.md under
"## Gallery" or "## Gallery (PostgreSQL)" (only that section is replaced).

A fresh database (SQLite in a temporary EASEL_DATA_DIR, or a new PostgreSQL database beside the one
DATABASE_URL names, dropped afterwards) is migrated and seeded with --check-at rows first; each page's
SQL queries are counted; then it grows to --images rows and every page is timed and counted again: the
counts must not change. SQLite rows come by bulk insert (the FTS5 triggers index them as they go),
PostgreSQL's by one INSERT … SELECT over generate_series (bench/gallery_rows_sql.py). 60 real 1024×1024 PNGs are stored through
gallery.services.image_files_store, and the rows share their files, so served thumbnails are real.
The pictures are "realistic noisy": blurred shapes on gradients, fractal detail and film grain, which
makes ~1.5 MB PNGs like a real 1K generation (a flat colour would flatter the thumbnails).
Server time is measured around Django's test client (all middleware, session and template rendering;
no network), as a signed-in member, over many requests each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Gallery"
sys.path.insert(0, str(ROOT))

from bench.harness import drop_postgres_database, postgres_database  # noqa: E402
from bench.report import write_markdown_section  # noqa: E402

TARGET_PAGE_MS = 50.0
TARGET_THUMBNAIL_MS = 100.0
TARGET_PAGE_BYTES = 2_000_000
REAL_FILES = 60
VIEWER_GENERATIONS = 20_000  # a year of a busy member's history, for the Generate page's recent list
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
MODELS = [
    ("google/gemini-2.5-flash-image", "Gemini 2.5 Flash Image"),
    ("google/gemini-3-pro-image-preview", "Gemini 3 Pro Image"),
    ("openai/gpt-5-image", "GPT-5 Image"),
    ("openai/gpt-5-image-mini", "GPT-5 Image Mini"),
    ("black-forest-labs/flux-2-pro", "FLUX.2 Pro"),
]
MEMBERS = ["mira", "otto", "ines", "kofi", "lena", "ravi"]
SUBJECTS = [
    "fox",
    "whale",
    "lighthouse",
    "robot",
    "teapot",
    "cathedral",
    "dragon",
    "bicycle",
    "owl",
    "city",
    "forest",
    "harbour",
    "astronaut",
    "violin",
    "mountain",
    "garden",
    "library",
    "tram",
    "octopus",
    "castle",
    "desert",
    "samurai",
    "jellyfish",
    "greenhouse",
    "comet",
    "windmill",
    "tiger",
    "bakery",
    "glacier",
    "carousel",
    "submarine",
    "hedgehog",
    "orchid",
    "skyline",
    "canyon",
]
STYLES = [
    "watercolour",
    "oil painting",
    "isometric pixel art",
    "studio photograph",
    "linocut print",
    "3d render",
    "ink sketch",
    "film still",
    "risograph poster",
    "gouache illustration",
    "blueprint",
    "stained glass",
]
MOODS = [
    "misty",
    "golden-hour",
    "neon-lit",
    "snowy",
    "rainy",
    "moonlit",
    "sunlit",
    "stormy",
    "pastel",
    "gloomy",
    "cheerful",
    "serene",
]
PLACES = [
    "in the snow",
    "on a rooftop",
    "under the sea",
    "at dawn",
    "in a busy market",
    "on Mars",
    "in a tiny room",
    "by the river",
    "in the clouds",
    "inside a snow globe",
    "at a night market",
    "in an old station",
]


def configure(data_dir: Path, database_url: str) -> None:
    """Settings come from the environment, so it is set before Django starts."""
    os.environ["EASEL_DATA_DIR"] = str(data_dir)
    os.environ["EASEL_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'easel.sqlite3'}"
    os.environ.pop("EASEL_MEDIA_ACCEL_PREFIX", None)
    os.environ.pop("EASEL_S3_BUCKET", None)
    import django

    django.setup()


def realistic_png(seed: int, side: int = 1024) -> bytes:
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(seed)
    r = Image.linear_gradient("L").rotate(rng.randint(0, 359)).resize((side, side))
    g = Image.radial_gradient("L").resize((side, side))
    b = Image.linear_gradient("L").transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize((side, side))
    picture = Image.merge("RGB", (r, g, b))
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y, w, h = (rng.randint(0, side) for _ in range(4))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x - w // 2, y - h // 2, x + w // 2, y + h // 2), fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(6))
    cx, cy = rng.uniform(-1.5, -0.5), rng.uniform(-0.8, 0.2)
    fractal = Image.effect_mandelbrot((side, side), (cx - 0.6, cy - 0.6, cx + 0.6, cy + 0.6), 60)
    picture = Image.blend(picture, fractal.convert("RGB"), 0.25)
    grain = Image.effect_noise((side, side), 10).convert("RGB")
    picture = ImageChops.add(picture, grain, scale=1.0, offset=-128)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def prompt_for(rng: random.Random) -> str:
    return (
        f"A {rng.choice(MOODS)} {rng.choice(STYLES)} of a {rng.choice(SUBJECTS)} {rng.choice(PLACES)}, "
        f"with a {rng.choice(SUBJECTS)} in the background"
    )


def seed_people_and_files() -> dict:
    """Members, the models and 60 real stored files the rows share."""
    from django.contrib.auth import get_user_model

    from gallery import services
    from imagegen.models import ImageModel

    users = [
        get_user_model().objects.create_user(username=name, password="a-long-bench-password")
        for name in MEMBERS
    ]
    image_models = [
        ImageModel.objects.create(openrouter_id=slug, name=name, enabled=True, sort_order=order)
        for order, (slug, name) in enumerate(MODELS)
    ]
    stored = [
        services.image_files_store(data=realistic_png(n), image_format="PNG") for n in range(REAL_FILES)
    ]
    return {"users": users, "viewer": users[0], "image_models": image_models, "stored": stored}


def add_images(context: dict, *, first: int, last: int) -> None:
    """Image rows numbered first..last, dated at random over 700 days, about 1% of them in the trash.

    PostgreSQL builds them in one INSERT … SELECT (bench/gallery_rows_sql.py); SQLite gets them by bulk
    insert of Django objects (its FTS5 triggers index them as they go)."""
    from django.db import connection, transaction

    from core import aspect_ratios
    from gallery import services
    from gallery.models import Image

    if connection.vendor == "postgresql":
        from bench import gallery_rows_sql

        words = {"moods": MOODS, "styles": STYLES, "subjects": SUBJECTS, "places": PLACES}
        with transaction.atomic():
            gallery_rows_sql.insert_images(
                first=first,
                last=last,
                owners=[user.pk for user in context["users"]],
                stored=context["stored"],
                words=words,
                models=MODELS,
                ratios=aspect_ratios.STANDARD_ASPECT_RATIOS,
                start=START,
            )
        gallery_rows_sql.vacuum_analyze()
        return
    rng = random.Random(2026 + first)
    users, stored = context["users"], context["stored"]
    rows = []
    for n in range(first, last + 1):
        slug, name = MODELS[rng.randrange(len(MODELS))]
        rows.append(
            Image(
                owner=users[rng.randrange(len(users))],
                **services.image_file_fields(stored=stored[n % REAL_FILES]),
                mime_type="image/png",
                format="PNG",
                width=1024,
                height=1024,
                aspect_ratio=rng.choice(aspect_ratios.STANDARD_ASPECT_RATIOS),
                image_size="1K",
                prompt=prompt_for(rng),
                model_slug=slug,
                model_name=name,
                model_text=rng.choice(["", "", "Here is your image.", "I drew it in a watercolour style."]),
                cost_usd="0.038700",
                latency_ms=rng.randint(4000, 40000),
                created_at=START + dt.timedelta(days=700) * rng.random(),
                trashed_at=START if rng.random() < 0.01 else None,
            )
        )
    with transaction.atomic():
        Image.objects.bulk_create(rows, batch_size=2000)


def seed_viewer(context: dict) -> None:
    """The viewing member's 500 favourites, a collection of 2,000 and a year of past generations."""
    from django.db import transaction

    from gallery.models import Collection, CollectionItem, Favourite, Image
    from imagegen.models import Generation

    rng = random.Random(2027)
    viewer, image_models = context["viewer"], context["image_models"]
    ids = list(Image.objects.values_list("pk", flat=True))
    step = dt.timedelta(days=700) / VIEWER_GENERATIONS
    with transaction.atomic():
        Favourite.objects.bulk_create(
            [Favourite(member=viewer, image_id=pk) for pk in rng.sample(ids, 500)], batch_size=500
        )
        context["collection"] = Collection.objects.create(
            owner=viewer, title="Best of", description="Picked by the team"
        )
        CollectionItem.objects.bulk_create(
            [CollectionItem(collection=context["collection"], image_id=pk) for pk in rng.sample(ids, 2000)],
            batch_size=1000,
        )
        Generation.objects.bulk_create(
            [
                Generation(
                    member=viewer,
                    model=image_models[n % len(image_models)],
                    prompt=prompt_for(rng),
                    aspect_ratio="1:1",
                    image_size="1K",
                    status=Generation.Status.SUCCEEDED,
                    stage=Generation.Stage.DONE,
                    created_at=START + step * n,
                    finished_at=START + step * n + dt.timedelta(seconds=9),
                )
                for n in range(VIEWER_GENERATIONS)
            ],
            batch_size=2000,
        )


def timed(client, url: str, requests: int, **headers) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU milliseconds per request, the SQL query count of one request, and the body size.

    CPU time (this thread's) is what the request itself costs; on a busy machine wall time also
    includes waiting for a CPU, so both are reported.
    """
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: the request_started signal empties connection.queries.
    with connection.execute_wrapper(count):
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url, **headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu, len(queries), len(response.content)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def page_cases(context: dict, deep: int) -> list[tuple[str, str, dict]]:
    """The pages measured; `deep` is the position of the image a deep grid page starts after."""
    from gallery.models import Image
    from gallery.selectors import Cursor

    middle = (
        Image.objects.filter(trashed_at__isnull=True).order_by("-created_at", "-id")[deep - 1 :][:1].get()
    )
    cursor = Cursor.of(middle).encode()
    htmx = {"HTTP_HX_REQUEST": "true"}
    more = {**htmx, "HTTP_HX_TARGET": "grid-more"}
    collection = context["collection"].pk
    return [
        ("grid, first page", "/gallery/", {}),
        (f"grid, page at image {deep:,} (keyset)", f"/gallery/?cursor={cursor}", {}),
        ("grid, next page by infinite scroll (htmx)", f"/gallery/?cursor={cursor}", more),
        ("search: one common word", "/gallery/?q=fox", {}),
        ("search: two words", "/gallery/?q=misty+lighthouse", {}),
        ("search: rare phrase, 3 words (htmx)", "/gallery/?q=stained+glass+octopus+mars", htmx),
        ("search: a prefix", "/gallery/?q=light", {}),
        ("filter: model + aspect ratio", "/gallery/?model=openai/gpt-5-image&ratio=16:9", {}),
        ("filter: member + date range", "/gallery/?member=otto&date_from=2025-06-01&date_to=2025-09-30", {}),
        ("filter: my favourites (500)", "/gallery/?favourites=1", {}),
        ("filter: mine, oldest first", "/gallery/?mine=1&sort=oldest", {}),
        ("search + filters", "/gallery/?q=fox&model=google/gemini-2.5-flash-image&mine=1", {}),
        ("collection page (2,000 images)", f"/gallery/collections/{collection}/", {}),
        ("image page with ← → in a search", f"/gallery/images/{middle.pk}/?q=fox", {}),
        (f"Generate page, a member with {VIEWER_GENERATIONS:,} generations", "/", {}),
    ]


def measure_pages(client, cases, requests: int) -> list[dict]:
    rows = []
    for label, url, headers in cases:
        wall, cpu, queries, size = timed(client, url, requests, **headers)
        rows.append(
            {
                "label": label,
                "p50": statistics.median(wall),
                "p95": p95(wall),
                "cpu_p95": p95(cpu),
                "queries": queries,
                "bytes": size,
            }
        )
    return rows


def measure_thumbnails(rounds: int = 30) -> tuple[float, float, float]:
    from gallery import files

    pictures = [realistic_png(1000 + n) for n in range(5)]
    files.make_thumbnail(pictures[0])  # warm up the codecs
    wall, cpu = [], []
    for n in range(rounds):
        started, started_cpu = time.perf_counter(), time.thread_time()
        files.make_thumbnail(pictures[n % len(pictures)])
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return statistics.median(wall), p95(wall), p95(cpu)


def measure_page_weight(client) -> tuple[int, int, int]:
    """Bytes of the first grid page's HTML and of every thumbnail it shows, as served."""
    from gallery.models import Image

    response = client.get("/gallery/")
    html = response.content
    ids = [int(pk) for pk in re.findall(rb'src="/gallery/images/(\d+)/thumbnail"', html)]
    thumbnails = 0
    for pk in ids:
        served = client.get(f"/gallery/images/{pk}/thumbnail")
        thumbnails += sum(len(chunk) for chunk in served.streaming_content)
    assert len(ids) == min(60, Image.objects.filter(trashed_at__isnull=True).count())
    return len(ids), len(html), thumbnails


def table(rows, thumb, weight, small: int) -> tuple[str, bool]:
    lines = [
        f"| measure | p50 | p95 | p95 CPU | SQL queries (at {small:,}) | size |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ok = True
    for row in rows:
        ok &= row["p95"] < TARGET_PAGE_MS and row["queries"] == row["queries_small"]
        lines.append(
            f"| {row['label']} | {row['p50']:.1f} ms | {row['p95']:.1f} ms | {row['cpu_p95']:.1f} ms | "
            f"{row['queries']} ({row['queries_small']}) | {row['bytes'] / 1024:.0f} KB |"
        )
    ok &= thumb[1] < TARGET_THUMBNAIL_MS
    lines.append(
        f"| thumbnail of a 1024×1024 PNG (`make_thumbnail`) | {thumb[0]:.1f} ms | {thumb[1]:.1f} ms | "
        f"{thumb[2]:.1f} ms | – | – |"
    )
    tiles, html, thumbnails = weight
    total = html + thumbnails
    ok &= total < TARGET_PAGE_BYTES
    lines.append(
        f"| grid page weight: HTML {html / 1024:.0f} KB + {tiles} thumbnails {thumbnails / 1024:.0f} KB "
        f"| – | – | – | – | **{total / 1_000_000:.2f} MB** |"
    )
    return "\n".join(lines), bool(ok)


def query_counts(client, cases) -> list[int]:
    """Each page's SQL query count, from one request each."""
    return [timed(client, url, 0, **headers)[2] for _, url, headers in cases]


def measure(args, vendor: str) -> dict:
    """Seed `--check-at` images and count each page's queries; grow to `--images` and measure it all."""
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    context = seed_people_and_files()
    add_images(context, first=0, last=args.check_at - 1)
    seed_viewer(context)
    # Plain static storage: the manifest one needs collectstatic, which is beside the point here.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**_storages(), "staticfiles": static}):
        client = Client()
        client.force_login(context["viewer"])
        small = query_counts(client, page_cases(context, deep=args.check_at // 2))
        add_images(context, first=args.check_at, last=args.images - 1)
        seeded = time.perf_counter() - started
        rows = measure_pages(client, page_cases(context, deep=min(50_000, args.images // 2)), args.requests)
        weight = measure_page_weight(client)
    for row, queries in zip(rows, small, strict=True):
        row["queries_small"] = queries
    return {"rows": rows, "weight": weight, "seeded": seeded, "load": os.getloadavg()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--check-at", type=int, default=10_000, help="the smaller gallery for query counts")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--keep-database", action="store_true", help="PostgreSQL: keep it, to look into")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "")
    data_dir = Path(tempfile.mkdtemp(prefix="easel-bench-gallery-"))
    database_url, pg_name = (
        postgres_database(admin_url, prefix="easel_bench_gallery") if admin_url else ("", "")
    )
    vendor = "PostgreSQL" if admin_url else "SQLite"
    try:
        configure(data_dir, database_url)
        measured = measure(args, vendor)
        thumb = measure_thumbnails()
        version = _database_version()
    finally:
        if pg_name and args.keep_database:
            print(f"(kept the database {pg_name}; drop it when done)")
        elif pg_name:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(admin_url, pg_name)
        shutil.rmtree(data_dir, ignore_errors=True)

    result, ok = table(measured["rows"], thumb, measured["weight"], args.check_at)
    verdict = (
        f"Targets: every page p95 under {TARGET_PAGE_MS:g} ms with the same SQL query count at "
        f"{args.check_at:,} and {args.images:,} images, a thumbnail under {TARGET_THUMBNAIL_MS:g} ms, "
        f"a 60-tile page under {TARGET_PAGE_BYTES / 1_000_000:g} MB: {'met' if ok else 'NOT met'}."
    )
    print(result)
    print(verdict)
    print(f"(seeded {args.images:,} images in {measured['seeded']:.1f} s)")
    if not args.no_docs:
        write_markdown_section(docs_text(args, vendor, version, result, verdict, measured))
    return 0 if ok else 1


def docs_text(args, vendor: str, version: str, result: str, verdict: str, measured: dict) -> str:
    command = "uv run python bench/bench_gallery.py"
    if vendor == "PostgreSQL":
        command = (
            f"DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres {command} --images {args.images}"
        )
        how = (
            "one INSERT … SELECT over generate_series (bench/gallery_rows_sql.py: the same word lists, "
            "through the table's real indexes, the search index included), then VACUUM ANALYZE as "
            "autovacuum would"
        )
    else:
        how = "bulk insert, the FTS5 triggers indexing as they go"
    load = measured["load"]
    machine = (
        f"Python {platform.python_version()}, {vendor} {version}, {platform.machine()}, "
        f"{platform.system()}, {os.cpu_count()} CPUs shared with other work, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the end"
    )
    return (
        f"{HEADING if vendor == 'SQLite' else HEADING + ' (PostgreSQL)'}\n\n"
        f"`{command}`: a fresh {vendor} database seeded with "
        f"{args.images:,} images ({how}; 60 real 1024×1024 noisy PNGs of ~1.5 MB shared by the rows) and "
        f"{VIEWER_GENERATIONS:,} past generations of the viewing member, "
        f"{args.requests} timed requests per page through Django's test client as a signed-in member "
        "(server time: middleware, session, queries, templates; no network). Pages show 60 tiles. "
        "Targets are judged on wall-clock p95; *p95 CPU* is the request thread's own CPU time, which "
        "leaves out waiting for a CPU on a shared machine. SQL queries counts every query of one request, "
        f"session and user included; in brackets the same page's count when the gallery held "
        f"{args.check_at:,} images (first seeded, counted, then grown): equal counts mean no query grows "
        "with the gallery.\n\n"
        f"{result}\n\n{verdict}\n\n"
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} on {machine}.\n\n"
    )


def _storages() -> dict:
    from django.conf import settings

    return settings.STORAGES


def _database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0].split()[0]
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    raise SystemExit(main())
