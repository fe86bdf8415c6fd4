"""Soak: 1000 generations through one worker process; its memory, open files and database connections.

    uv run python bench/bench_soak.py [--generations 1000]           # SQLite
    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres uv run python bench/bench_soak.py

The stand-in answers quickly (0.1–0.5 s) so the worker does a lot of work; about 40 generations are kept
outstanding. After a warm-up of 100 generations, resident memory may grow under 10% by the end, and open
file descriptors and database connections must stay flat. Writes docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import bench_setup, free_port, start, start_standin  # noqa: E402
from bench.report import write_section  # noqa: E402

WARM_UP = 100


def sample(pid: int, database_file: str | None) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
    threads = int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])
    fds = os.listdir(f"/proc/{pid}/fd")
    targets = []
    for fd in fds:
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    if database_file:
        connections = sum(1 for target in targets if target == database_file)
    else:
        to_postgres = _socket_inodes_to_port(pid, 5432)
        connections = sum(
            1 for target in targets if target.startswith("socket:[") and target[8:-1] in to_postgres
        )
    return {"rss_mb": rss_kb / 1024, "fds": len(fds), "connections": connections, "threads": threads}


def _socket_inodes_to_port(pid: int, port: int) -> set[str]:
    """Inodes of the process's TCP sockets whose remote end is `port` (from /proc/<pid>/net/tcp*)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=1000)
    parser.add_argument("--outstanding", type=int, default=40)
    args = parser.parse_args()

    standin_port = free_port()
    bench = bench_setup(
        "soak",
        OPENROUTER_API_KEY="sk-or-v1-soak",
        OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
        EASEL_MAX_RUNNING_PER_MEMBER="100000",
        EASEL_MAX_SUBMISSIONS_PER_MINUTE="100000",
    )
    data_dir, logs, vendor, env = bench.data_dir, bench.logs, bench.vendor, bench.env
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    processes = [start_standin(port=standin_port, latency="0.1-0.5", env=env, log=logs / "standin.log")]
    samples: list[tuple[int, dict]] = []
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from imagegen import services
        from imagegen.client import openrouter_client
        from imagegen.model_sync import models_sync
        from imagegen.models import Generation, ImageModel

        call_command("migrate", verbosity=0)
        models_sync(client=openrouter_client(), enable_all=True)
        model = ImageModel.objects.get(openrouter_id="google/gemini-2.5-flash-image")
        member = get_user_model().objects.create_user(username="soak", password="a-long-soak-password")
        worker = start([sys.executable, "manage.py", "run_worker"], env, logs / "worker.log")
        processes.append(worker)
        database_file = None if bench.pg_name else str(data_dir / "easel.sqlite3")

        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                finished = Generation.objects.filter(status__in=Generation.FINAL_STATUSES).count()
                samples.append((finished, sample(worker.pid, database_file)))
                done.wait(1.0)

        watcher = threading.Thread(target=watch)
        watcher.start()
        started = time.monotonic()
        submitted = 0
        while True:
            finished = Generation.objects.filter(status__in=Generation.FINAL_STATUSES).count()
            if finished >= args.generations:
                break
            outstanding = submitted - finished
            for _ in range(min(args.outstanding - outstanding, args.generations - submitted)):
                services.generation_create(
                    member=member,
                    model=model,
                    prompt=f"soak picture {submitted}",
                    aspect_ratio="1:1",
                    image_size="1K",
                    count=1,
                )
                submitted += 1
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        done.set()
        watcher.join()
        outcome = {
            status: Generation.objects.filter(status=status).count() for status in Generation.Status.values
        }
    finally:
        bench.stop(processes)

    after_warm_up = [s for finished, s in samples if finished >= WARM_UP]
    window = max(3, len(after_warm_up) // 10)
    first, last = after_warm_up[:window], after_warm_up[-window:]

    def median(values, key):
        return statistics.median(v[key] for v in values)

    growth = (median(last, "rss_mb") - median(first, "rss_mb")) / median(first, "rss_mb") * 100
    rows = [
        (
            "generations",
            f"{outcome['succeeded']} done, {outcome['failed']} failed",
            f"in {elapsed:.0f} s, one worker",
        ),
        (
            "resident memory after warm-up → end",
            f"{median(first, 'rss_mb'):.1f} → {median(last, 'rss_mb'):.1f} MB",
            f"{growth:+.1f}% (target < 10%)",
        ),
        (
            "open file descriptors, after warm-up → end (median)",
            f"{median(first, 'fds'):.0f} → {median(last, 'fds'):.0f}",
            f"range {min(s['fds'] for s in after_warm_up)}–{max(s['fds'] for s in after_warm_up)} "
            "with the work in flight",
        ),
        (
            "database connections, after warm-up → end (median)",
            f"{median(first, 'connections'):.0f} → {median(last, 'connections'):.0f}",
            f"range {min(s['connections'] for s in after_warm_up)}–{max(s['connections'] for s in after_warm_up)}; "
            + (
                "handles on the database file (SQLite keeps a closed connection's handle while others are open)"
                if database_file
                else "TCP connections to PostgreSQL"
            ),
        ),
        (
            "threads (min–max after warm-up)",
            f"{min(s['threads'] for s in after_warm_up)}–{max(s['threads'] for s in after_warm_up)}",
            "",
        ),
    ]
    table = ["| measure | value | note |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    write_section(
        f"Soak ({vendor})",
        f"`uv run python bench/bench_soak.py` on {vendor}: {args.generations} "
        f"generations through one worker process ({args.outstanding} outstanding), the stand-in "
        "answering in 0.1–0.5 s; sampled every second from /proc.\n\n" + text,
    )


if __name__ == "__main__":
    main()
