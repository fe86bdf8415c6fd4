"""Memory of one worker process running many 4K generations at once: peak RSS, and the formula behind it.

    uv run python bench/bench_worker_memory.py [--levels 1,25,50,100] [--latency 4]
    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres uv run python bench/bench_worker_memory.py

For each level N a fresh worker process (EASEL_WORKER_THREADS = the largest level, so N generations run
at once) gets N generations of Gemini 3 Pro Image at 4K (4096×4096), queued together; the stand-in,
serving a real 4K PNG (one prompt, drawn once and cached), answers all of them after the same latency,
so the N pictures arrive together: the worst case for memory. The worker's resident set is sampled from /proc every
20 ms and its high-water mark (VmHWM) read before it stops. Prints a table, fits
peak ≈ base + cost × concurrency, and writes the "## Worker memory" section of docs/benchmarks.md.
"""

import argparse
import os
import platform
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import bench_setup, free_port, start, start_standin  # noqa: E402
from bench.report import write_section  # noqa: E402

MODEL = "google/gemini-3-pro-image-preview"
BOUND = (
    "Reading the table: one 4K generation takes the worker from ~76 MB to ~230 MB (its answer, the "
    "decoded pixels and the thumbnail's converted copy). Beyond that, two costs: each generation whose "
    "answer has arrived holds its encoded picture (~18 MB here, the base64 text and the bytes, until they "
    "are stored), bounded by the generations the worker runs at once (`EASEL_WORKER_THREADS`, default 20); "
    "and each decode holds ~100–150 MB of pixels, bounded by `EASEL_DECODING_SLOTS` (default 4). Without "
    "the slots, the pixels of every picture that arrived together were held together (6 GB for 50, "
    "depending on how many overlap). So: **peak RSS ≲ 80 MB + 18 MB × min(running, EASEL_WORKER_THREADS) "
    "+ 150 MB × min(decoding, EASEL_DECODING_SLOTS)**, about 1 GB at the defaults however many 4K "
    "generations are queued, and ~2.4 GB with 100 threads (2 GB measured)."
)
MB = 1024 * 1024


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """The largest VmRSS seen, sampled every 20 ms (VmHWM is the kernel's exact peak; both are reported)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            try:
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            except OSError:
                return


def one_level(level: int, slots: int, threads: int, bench, member, model, logs: Path) -> dict:
    from imagegen import services
    from imagegen.models import Generation

    env = {
        **bench.env,
        "EASEL_WORKER_THREADS": str(threads),
        "EASEL_WORKER_POLL_SECONDS": "0.05",
        "EASEL_DECODING_SLOTS": str(slots),
    }
    log = logs / f"worker-{level}-{slots}.log"
    worker = start([sys.executable, "manage.py", "run_worker"], env, log)
    try:
        deadline = time.monotonic() + 120
        while "started" not in log.read_text():
            assert worker.poll() is None, "the worker exited while starting"
            assert time.monotonic() < deadline, "the worker did not start in 120 s"
            time.sleep(0.2)
        time.sleep(2)  # settle: imports done, pool threads started
        base_kb = status_kb(worker.pid, "VmRSS")
        sampler = RssSampler(worker.pid)
        sampler.start()
        started = time.monotonic()
        ids = [
            services.generation_create(
                member=member,
                model=model,
                # One prompt: the stand-in draws its 4K picture once and serves it from its cache, so the
                # answers come together instead of queueing behind its drawing (each still decoded here).
                prompt="a lighthouse in a storm",
                aspect_ratio="1:1",
                image_size="4K",
                count=1,
            ).pk
            for _ in range(level)
        ]
        while Generation.objects.filter(pk__in=ids, finished_at__isnull=True).exists():
            assert worker.poll() is None, f"the worker died: {log.read_text()[-2000:]}"
            assert time.monotonic() - started < 900, "the generations did not finish in 15 minutes"
            time.sleep(0.2)
        seconds = time.monotonic() - started
        hwm_kb = status_kb(worker.pid, "VmHWM")
        sampler.stopped.set()
        sampler.join()
        statuses = list(Generation.objects.filter(pk__in=ids).values_list("status", flat=True))
    finally:
        worker.terminate()
        worker.wait(timeout=120)
    return {
        "level": level,
        "slots": slots,
        "base_mb": base_kb / 1024,
        "peak_mb": max(hwm_kb, sampler.peak_kb) / 1024,
        "seconds": seconds,
        "succeeded": statuses.count("succeeded"),
        "failed": len(statuses) - statuses.count("succeeded"),
    }


def fit(rows: list[dict]) -> tuple[float, float]:
    """Least squares: peak = base + slope × level."""
    xs, ys = [row["level"] for row in rows], [row["peak_mb"] for row in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs) or 1
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * mean_x, slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,25,50,100", help="concurrent 4K generations, comma-separated")
    parser.add_argument(
        "--slots",
        default="100,4",
        help="EASEL_DECODING_SLOTS settings to compare (as many as the threads is no bound at all)",
    )
    parser.add_argument("--latency", default="4", help="the stand-in's seconds per generation")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    slot_settings = [int(slots) for slots in args.slots.split(",")]

    standin_port = free_port()
    bench = bench_setup(
        "memory",
        OPENROUTER_API_KEY="sk-or-v1-bench",
        OPENROUTER_BASE_URL=f"http://127.0.0.1:{standin_port}/api/v1",
        EASEL_MAX_RUNNING_PER_MEMBER="1000",
        EASEL_MAX_SUBMISSIONS_PER_MINUTE="1000",
    )
    os.environ.update(bench.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    standin_log = bench.logs / "standin.log"
    processes = [start_standin(port=standin_port, latency=args.latency, env=bench.env, log=standin_log)]
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from imagegen.client import openrouter_client
        from imagegen.model_sync import models_sync
        from imagegen.models import ImageModel

        call_command("migrate", verbosity=0)
        member = get_user_model().objects.create_user(username="bench", password="bench-password-123")
        models_sync(client=openrouter_client(), enable_all=True)
        model = ImageModel.objects.get(openrouter_id=MODEL)
        threads = max(levels)
        rows = [
            one_level(level, slots, threads, bench, member, model, bench.logs)
            for slots in slot_settings
            for level in levels
        ]
    finally:
        bench.stop(processes)

    text, ok = report(rows, slot_settings, threads)
    print(text)
    if not args.no_docs:
        load = os.getloadavg()
        write_section(
            f"Worker memory ({bench.vendor})",
            f"`uv run python bench/bench_worker_memory.py --levels {args.levels} --slots {args.slots} "
            f"--latency {args.latency}`: one worker process ({threads} threads, {bench.vendor}); for each "
            "level a fresh worker gets that many Gemini 3 Pro Image generations at 4K (4096×4096 PNGs from "
            "the stand-in), queued together and answered together after the stand-in's latency, so every "
            "picture arrives at once. Peak RSS is the larger of the kernel's high-water mark (VmHWM) and a "
            f"20 ms sampling of VmRSS. `EASEL_DECODING_SLOTS` = {threads} (as many as the threads) is how "
            "the worker was before the slots: every running generation could decode at once."
            f"\n\n{text}\n\n{BOUND}\n\nMeasured on Python {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs shared with other work, load average {load[0]:.1f} / {load[1]:.1f} / "
            f"{load[2]:.1f} (1 / 5 / 15 min) at the end.",
        )
    return 0 if ok else 1


def report(rows: list[dict], slot_settings: list[int], threads: int) -> tuple[str, bool]:
    lines = [
        "| decoding slots | concurrent 4K generations | worker RSS before | peak RSS | all stored after | done / failed |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row['slots']} | {row['level']} | {row['base_mb']:.0f} MB | **{row['peak_mb']:.0f} MB** | "
        f"{row['seconds']:.1f} s | {row['succeeded']} / {row['failed']} |"
        for row in rows
    ]
    formulas = []
    for slots in slot_settings:
        base, slope = fit([row for row in rows if row["slots"] == slots])
        formulas.append(
            f"- {slots} slots{' (no bound)' if slots >= threads else ''}: peak RSS ≈ {base:.0f} MB + "
            f"{slope:.1f} MB × concurrent generations"
        )
    ok = all(row["failed"] == 0 for row in rows)
    return "\n".join(lines) + "\n\nLeast-squares fit over the levels:\n\n" + "\n".join(formulas), ok


if __name__ == "__main__":
    raise SystemExit(main())
