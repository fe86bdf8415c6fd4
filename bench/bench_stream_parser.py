"""Benchmark: the OpenRouter stream decoder on streams carrying one 1K, 2K and 4K PNG.

Run with `uv run python bench/bench_stream_parser.py`. Prints a table and writes it to
docs/benchmarks.md under "## Stream parser" (only that section is replaced).

The PNGs are noise (3 random bits per channel), so they compress about as badly as real photos:
the 1K one is ~1.6 MB of base64, like a real Gemini 1K PNG, and the 4K one ~25 MB. The stream is
fed in 64 KiB chunks, as a network would deliver it. "parse" is the decoder alone (framing, JSON,
strict base64); "parse + check" adds the full Pillow decode the client does for every image.
Peak memory is tracemalloc's peak above the input while parsing (Pillow's pixel buffer is
allocated outside Python's allocator, so it is not included).
"""

from __future__ import annotations

import base64
import io
import json
import platform
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openrouter import StreamDecoder

CHUNK = 64 * 1024
SIZES = {"1K": 1024, "2K": 2048, "4K": 4096}
ROUNDS = 15
CHECK_ROUNDS = 3
TARGET_LINEARITY = 1.3
TARGET_PEAK_RATIO = 3.0
HEADING = "## Stream parser"


def noise_png(side: int) -> bytes:
    """A side x side RGB PNG of 3-bit noise: poorly compressible, like a detailed photo."""
    noise = random.Random(side).randbytes(side * side * 3)
    picture = Image.frombytes("RGB", (side, side), noise.translate(bytes((b & 7) * 32 for b in range(256))))
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=1)
    return out.getvalue()


def stream_for(png: bytes) -> tuple[list[bytes], int]:
    """OpenRouter-shaped SSE bytes carrying `png`, cut into 64 KiB chunks; and the base64 length."""
    encoded = base64.b64encode(png).decode()
    url = f"data:image/png;base64,{encoded}"
    head = {"id": "gen-1-bench", "object": "chat.completion.chunk", "model": "google/gemini-3-pro-image"}
    image = {
        **head,
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "content": "",
                    "images": [{"type": "image_url", "image_url": {"url": url}}],
                },
                "finish_reason": None,
            }
        ],
    }
    finish = {**head, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}]}
    usage = {**finish, "usage": {"prompt_tokens": 9, "completion_tokens": 2000, "cost": 0.24}}
    text = ": OPENROUTER PROCESSING\n\n" * 3
    text += "".join(f"data: {json.dumps(event)}\n\n" for event in (image, finish, usage)) + "data: [DONE]\n\n"
    raw = text.encode()
    return [raw[i : i + CHUNK] for i in range(0, len(raw), CHUNK)], len(encoded)


def parse(chunks: list[bytes], *, verify: bool) -> int:
    decoder = StreamDecoder(verify_images=verify)
    for chunk in chunks:
        decoder.feed(chunk)
    return len(decoder.close().images[0].data)


def timed(chunks: list[bytes], *, verify: bool) -> float:
    started = time.perf_counter()
    parse(chunks, verify=verify)
    return time.perf_counter() - started


def peak_memory(chunks: list[bytes]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline, _ = tracemalloc.get_traced_memory()
    parse(chunks, verify=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - baseline


def run() -> tuple[list[dict[str, float | str]], bool]:
    streams = {label: stream_for(noise_png(side)) for label, side in SIZES.items()}
    parse_times = {label: float("inf") for label in SIZES}
    check_times = dict(parse_times)
    # Rounds visit every size in turn, so a slow spell of a shared machine hits all sizes alike.
    for round_number in range(ROUNDS):
        for label, (chunks, _) in streams.items():
            parse_times[label] = min(parse_times[label], timed(chunks, verify=False))
            if round_number < CHECK_ROUNDS:
                check_times[label] = min(check_times[label], timed(chunks, verify=True))
    rows: list[dict[str, float | str]] = [
        {
            "label": label,
            "b64": b64_length,
            "parse": parse_times[label],
            "check": check_times[label],
            "peak": peak_memory(chunks),
        }
        for label, (chunks, b64_length) in streams.items()
    ]
    base = rows[0]
    ok = True
    for row in rows:
        row["size_ratio"] = row["b64"] / base["b64"]
        row["time_ratio"] = row["parse"] / base["parse"]
        row["linearity"] = row["time_ratio"] / row["size_ratio"]
        row["peak_ratio"] = row["peak"] / row["b64"]
        ok &= 1 / TARGET_LINEARITY <= row["linearity"] <= TARGET_LINEARITY
        ok &= row["peak_ratio"] < TARGET_PEAK_RATIO
    return rows, ok


def table(rows: list[dict[str, float | str]]) -> str:
    header = (
        "| size | base64 | parse (best) | parse per MB | time ratio vs 1K | size ratio vs 1K | time ÷ size "
        "| peak extra memory | peak ÷ base64 | parse + check (best) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r['label']} | {r['b64'] / 1e6:.1f} MB | {r['parse'] * 1000:.1f} ms "
        f"| {r['parse'] * 1000 / (r['b64'] / 1e6):.2f} ms | {r['time_ratio']:.2f} | {r['size_ratio']:.2f} "
        f"| {r['linearity']:.2f} | {r['peak'] / 1e6:.1f} MB | {r['peak_ratio']:.2f} "
        f"| {r['check'] * 1000:.0f} ms |"
        for r in rows
    ]
    return header + "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    from bench.report import write_markdown_section

    write_markdown_section(text)


def main() -> int:
    rows, ok = run()
    result = table(rows)
    verdict = (
        f"Targets: time ÷ size within {TARGET_LINEARITY}x of 1K, "
        f"peak under {TARGET_PEAK_RATIO:g}x the base64 size: {'met' if ok else 'NOT met'}."
    )
    print(result)
    print(verdict)
    machine = f"Python {platform.python_version()}, {platform.machine()}, {platform.system()}"
    write_docs(
        f"{HEADING}\n\n"
        "`uv run python bench/bench_stream_parser.py`: one OpenRouter-shaped SSE stream per size, carrying a "
        "square noise PNG (3 bits per channel, as poorly compressible as a photo), fed in 64 KiB chunks. "
        "*parse* is the decoder alone (SSE framing, JSON, strict base64); *parse + check* adds the full "
        "Pillow decode the client runs on every image. Peak extra memory is tracemalloc's peak while "
        "parsing (Pillow's pixel buffer is outside Python's allocator and not counted).\n\n"
        f"{result}\n{verdict}\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}.\n\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
