"""Live previews benchmark: how long after the stand-in sends a preview does the running card show it?

    uv run python bench/bench_previews.py [--generations 15] [--latency 3]

Real gunicorn and worker processes, the stand-in in this process (so it can say when it sent each
preview), and a real Chromium on the Generate page. Each generation asks OpenAI GPT Image 1, which streams
two previews before its image. In the page, a MutationObserver stamps the moment each new preview appears
in a card (Date.now(): the same clock as the stand-in's time.time()); the delay is that moment minus the
moment the stand-in wrote the preview. The page's requests while the cards run are counted by kind: the
one poll is the only one allowed (a preview rides inline in the poll's answer).

Target (issue 14): p95 < 500 ms, and no request beyond the poll. Prints a table and writes the
"## Live previews" section of docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import bench_setup, free_port, start, wait_http  # noqa: E402
from bench.report import write_section  # noqa: E402

MODEL = "openai/gpt-image-1"
PASSWORD = "bench-password-123"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Stamps each new preview picture in a card as it appears: the poll swaps whole cards several times a
# second, so the same picture comes back many times and only a change counts.
STAMP_PREVIEWS = """() => {
  window.previews = [];
  const last = {};
  new MutationObserver(() => {
    for (const img of document.querySelectorAll('.generation-card img[alt^="Preview"]')) {
      const card = img.closest('.generation-card').id;
      if (last[card] !== img.src) {
        last[card] = img.src;
        window.previews.push({card, at: Date.now()});
      }
    }
  }).observe(document.body, {subtree: true, childList: true});
}"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=15)
    parser.add_argument("--latency", type=float, default=3.0, help="seconds the model draws")
    args = parser.parse_args()
    result = measure(args)
    delays = result["delays_ms"]
    requests = result["requests"]
    rows = [
        ("previews sent by the stand-in", str(result["sent"]), f"{args.generations} generations × 2"),
        ("previews shown on a card", str(len(delays)), "each new picture, stamped in the page"),
        ("delay sent → shown, p50", f"{statistics.median(delays):.0f} ms", ""),
        ("delay sent → shown, p95", f"{percentile(delays, 95):.0f} ms", "target < 500 ms"),
        ("delay sent → shown, max", f"{max(delays):.0f} ms", ""),
        (
            "first generation after start (not counted above)",
            " · ".join(f"{d:.0f}" for d in result["first_ms"]) + " ms",
            "its two previews",
        ),
        (
            "page requests while cards ran: the poll",
            str(requests["poll"]),
            "every 250 ms while a model streams",
        ),
        ("page requests while cards ran: finished thumbnails", str(requests["image"]), "one per image"),
        ("page requests while cards ran: anything else", str(requests["other"]), "target 0"),
    ]
    table = ["| measure | value | note |", "|---|---:|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    print(f"load average: {os.getloadavg()[0]:.1f}")
    write_section(
        "Live previews",
        "`uv run python bench/bench_previews.py` — real gunicorn and worker on SQLite, the stand-in (GPT "
        f"Image 1, {args.latency:g} s a generation, two previews before the image) and Chromium on the "
        "Generate page, one generation at a time. The delay is from the stand-in writing a preview to the "
        "card showing it (both stamped on this machine's clock); the poll's interval (250 ms while a "
        f"model streams) bounds it. Load average at the end: {os.getloadavg()[0]:.1f}.\n\n" + text,
    )


def measure(args) -> dict:
    from openrouter.standin.server import StandinServer

    standin = StandinServer(latency=args.latency, keepalive_interval=0.5).start()
    port = free_port()
    bench = bench_setup(
        "previews",
        OPENROUTER_API_KEY="sk-or-v1-bench",
        OPENROUTER_BASE_URL=standin.base_url,
        EASEL_ACCESS_LOG="false",
    )
    os.environ.update(bench.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    processes = []
    try:
        model_pk = prepare_database()
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        processes.append(start(gunicorn, {**bench.env, "PORT": str(port)}, bench.logs / "web.log"))
        processes.append(
            start([sys.executable, "manage.py", "run_worker"], bench.env, bench.logs / "worker.log")
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        return watch_in_browser(args, base=base, model_pk=model_pk, standin=standin)
    finally:
        bench.stop(processes)
        standin.stop()


def prepare_database() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from imagegen.client import openrouter_client
    from imagegen.model_sync import models_sync
    from imagegen.models import ImageModel

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    get_user_model().objects.create_user(username="bench", password=PASSWORD)
    models_sync(client=openrouter_client(), enable_all=True)
    return ImageModel.objects.get(openrouter_id=MODEL).pk


def watch_in_browser(args, *, base: str, model_pk: int, standin) -> dict:
    from playwright.sync_api import expect, sync_playwright

    delays: list[float] = []
    sent_total = 0
    requests = {"poll": 0, "image": 0, "other": 0}
    watching = {"on": False}

    def count(request) -> None:
        if not watching["on"] or not request.url.startswith(base):
            return
        if "/generations/updates/" in request.url:
            requests["poll"] += 1
        elif "/thumbnail" in request.url:
            requests["image"] += 1  # the finished image's thumbnail: the one file the card needs
        else:
            requests["other"] += 1

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("bench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.on("request", count)
        first: list[float] = []
        for number in range(args.generations + 1):
            tag = uuid.uuid4().hex[:10]
            page.goto(f"{base}/")
            page.get_by_label("Model").select_option(str(model_pk))
            page.get_by_label("Prompt").fill(f"a lighthouse in fog, take {number} {tag}")
            page.evaluate(STAMP_PREVIEWS)
            page.get_by_role("button", name="Generate").click()
            time.sleep(0.2)  # the submit itself is not the card's traffic
            watching["on"] = True
            card = page.locator("article.generation-card").filter(has_text=tag)
            expect(card.locator(".generation-images img")).to_be_visible(timeout=60_000)
            watching["on"] = False
            shown = [entry["at"] / 1000 for entry in page.evaluate("window.previews")]
            sent = [moment for _, moment in standin.previews_sent(tag)]
            # The k-th picture shown is the k-th sent (a preview superseded before any poll is not shown).
            measured = [
                (later[0] - moment) * 1000
                for moment in sent
                if (later := [at for at in shown if at >= moment - 0.05])
            ]
            if number == 0:
                first = measured  # the first after start: see the "Warm-up" row
                continue
            sent_total += len(sent)
            delays += measured
        browser.close()
    return {"delays_ms": delays, "first_ms": first, "sent": sent_total, "requests": requests}


if __name__ == "__main__":
    main()
