"""Warm-up benchmark: is a fresh Easel's first generation as quick as the ones after it?

    uv run python bench/bench_warmup.py [--latency 1] [--generations 6] [--runs 2]

Each run starts a fresh gunicorn and worker (real processes, SQLite, the stand-in answering after
`--latency` s), signs in, opens the Generate page as a member would, then submits `--generations`
generations one after another. A generation's overhead is submit → image stored, minus the request's own
time as the worker measured it (the image's latency). Runs alternate between EASEL_WARM_UP=false (what the first
generation paid before) and the default, which warms up at start (imagegen/services/warmup.py,
config/warmup.py). Target: the first generation's overhead within 1.2× the median of the rest.

Prints a table and writes the "## Warm-up" section of docs/benchmarks.md.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import bench_setup, free_port, start, start_standin, wait_http  # noqa: E402
from bench.report import write_section  # noqa: E402


def bare_request_seconds(standin_url: str, n: int) -> float:
    started = time.monotonic()
    body = {
        "model": "google/gemini-2.5-flash-image",
        "stream": True,
        "modalities": ["image", "text"],
        "messages": [{"role": "user", "content": f"bare request {n}"}],
        "image_config": {"aspect_ratio": "1:1"},
    }
    headers = {"Authorization": "Bearer sk-or-v1-bench"}
    with httpx.stream(
        "POST", f"{standin_url}/chat/completions", headers=headers, json=body, timeout=60
    ) as reply:
        for _ in reply.iter_bytes():
            pass
    return time.monotonic() - started


def sign_in(base: str) -> tuple[httpx.Client, str, str]:
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/login/")
    client.post(
        "/login/",
        data={
            "username": "bench",
            "password": "bench-password-123",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    page = client.get("/").text  # the member opens the Generate page before their first prompt
    model_id = re.search(r'<option value="(\d+)" selected>', page).group(1)
    return client, model_id, client.cookies["csrftoken"]


def measure(args) -> dict:
    """One run: fresh data, stand-in, gunicorn and worker; each generation's overhead in ms."""
    standin_port, port = free_port(), free_port()
    bench = bench_setup(
        "warmup",
        OPENROUTER_API_KEY="sk-or-v1-bench",
        OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
        EASEL_ACCESS_LOG="false",
        EASEL_WARM_UP="true" if args.warm else "false",
    )
    env, logs = bench.env, bench.logs
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    standin_url = env["OPENROUTER_BASE_URL"]
    processes = [
        start_standin(port=standin_port, latency=str(args.latency), env=env, log=logs / "standin.log")
    ]
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from imagegen.client import openrouter_client
        from imagegen.model_sync import models_sync
        from imagegen.models import Generation, Worker

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        get_user_model().objects.create_user(username="bench", password="bench-password-123")
        models_sync(client=openrouter_client(), enable_all=True)
        bare = [bare_request_seconds(standin_url, n) for n in range(4)][
            1:
        ]  # the stand-in's own first is dropped
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        processes.append(start(gunicorn, {**env, "PORT": str(port)}, logs / "web.log"))
        processes.append(start([sys.executable, "manage.py", "run_worker"], env, logs / "worker.log"))
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", timeout=120)
        deadline = time.monotonic() + 120
        while not Worker.objects.exists():  # its first heartbeat: started (and warmed up, if it does)
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        time.sleep(1)
        client, model_id, csrf = sign_in(base)
        overheads, parts = [], []
        for n in range(args.generations):
            prompt = f"warm-up lighthouse {n}"
            started = time.monotonic()
            response = client.post(
                "/",
                data={
                    "prompt": prompt,
                    "model": model_id,
                    "aspect_ratio": "1:1",
                    "count": "1",
                    "csrfmiddlewaretoken": csrf,
                },
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200, response.text[:300]
            submit_ms = (time.monotonic() - started) * 1000
            while True:
                status = (
                    Generation.objects.filter(prompt=prompt, finished_at__isnull=False)
                    .values_list("status", flat=True)
                    .first()
                )
                if status:
                    assert status == "succeeded", status
                    break
                assert time.monotonic() - started < 120, "a generation never finished"
                time.sleep(0.01)
            stored_ms = (time.monotonic() - started) * 1000
            row = Generation.objects.get(prompt=prompt)
            # The request's own time as the worker measured it (the stand-in's answer, streamed and
            # checked): what is left is Easel's. Subtracting a separate bare request instead made the
            # numbers swing with the stand-in's own speed on this loaded machine.
            upstream_ms = row.images.get().latency_ms
            overheads.append(stored_ms - upstream_ms)
            parts.append(
                {
                    "submit": submit_ms,
                    "queued": (row.started_at - row.created_at).total_seconds() * 1000,
                    "running": (row.finished_at - row.started_at).total_seconds() * 1000 - upstream_ms,
                }
            )
            time.sleep(0.5)
        bare += [bare_request_seconds(standin_url, n) for n in range(3)]
    finally:
        bench.stop(processes)
    warmed = re.findall(r"Warmed up for the first generation: (.*)", (logs / "worker.log").read_text())
    return {
        "overheads_ms": overheads,
        "parts_ms": parts,
        "bare_ms": statistics.median(bare) * 1000,
        "warm_up": warmed[:1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--runs", type=int, default=2, help="runs of each kind (this machine is noisy)")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kinds", choices=("both", "warm", "cold"), default="both")
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(measure(args)))
        return
    rows, steps = [], []
    for run in range(args.runs):
        for warm in {"both": (False, True), "warm": (True,), "cold": (False,)}[args.kinds]:
            # Each run in a process of its own: Django's settings (the data directory) are read once.
            command = [sys.executable, __file__, "--one-run", *sys.argv[1:], *(["--warm"] if warm else [])]
            finished = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
            result = json.loads(finished.stdout.strip().splitlines()[-1])
            first, rest = result["overheads_ms"][0], statistics.median(result["overheads_ms"][1:])
            parts = result["parts_ms"]

            def split(chosen: list[dict]) -> str:
                return " / ".join(
                    f"{statistics.median(p[k] for p in chosen):.0f}" for k in ("submit", "queued", "running")
                )

            kind = "warm-up at start" if warm else "no warm-up (before)"
            rows.append(
                (
                    run + 1,
                    kind,
                    first,
                    rest,
                    first / rest,
                    split(parts[:1]),
                    split(parts[1:]),
                    result["bare_ms"],
                )
            )
            steps += result["warm_up"]
    table = [
        "| run | start | first generation's overhead | median of the rest | first ÷ rest "
        "| first: submit / queued / worker − upstream | rest (median) | bare request |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    table += [
        f"| {r} | {kind} | {first:.0f} ms | {rest:.0f} ms | {ratio:.2f}× | {one} ms | {others} ms | {bare:.0f} ms |"
        for r, kind, first, rest, ratio, one, others, bare in rows
    ]
    text = "\n".join(table)
    if steps:
        text += f"\n\nWhat the worker's warm-up did at start (first run): {steps[0]}."
    print(text)
    write_section(
        "Warm-up",
        "`uv run python bench/bench_warmup.py` — a fresh gunicorn and worker on SQLite for each run, the "
        f"stand-in answering after {args.latency:g} s; the member signs in and opens the Generate page, then "
        f"submits {args.generations} generations one after another. Overhead: submit → image stored (as the next poll sees it), minus "
        "the request's own time as the worker measured it (the image's latency: the stand-in's answer, streamed "
        "and checked). Target: the first generation's overhead within 1.2× the "
        "median of the rest, on this noisy 2-core machine.\n\n" + text,
    )


if __name__ == "__main__":
    main()
