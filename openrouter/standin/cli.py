"""An offline stand-in for OpenRouter: a real HTTP server that speaks the same wire format.

The command line (`python -m openrouter.standin`, `manage.py openrouter_standin`).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from typing import Any

from openrouter.standin.server import StandinServer


def parse_latency(text: str) -> float | tuple[float, float]:
    """'2' -> 2.0; '2-20' -> (2.0, 20.0)."""
    if "-" in text.strip("-"):
        low, high = (float(part) for part in text.split("-", 1))
        if high < low:
            raise ValueError("latency range must be low-high")
        return (low, high)
    return float(text)


def serve_forever(
    port: int = 8765, latency: float | tuple[float, float] = 0.0, *, host: str = "127.0.0.1", **options: Any
) -> None:
    """Run the stand-in in the foreground until interrupted (Ctrl-C)."""
    server = StandinServer(host, port, latency, **options)
    server.start()
    print(f"OpenRouter stand-in on {server.base_url} (latency {latency} s). Ctrl-C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m openrouter.standin") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", default="0", help="seconds per generation: '2', or a random range '2-20'"
    )
    parser.add_argument("--oversize-mb", type=int, default=64, help="base64 size of [fault:oversize], in MiB")
    parser.add_argument(
        "--drawing-processes",
        type=int,
        default=0,
        metavar="N",
        help="draw pictures in N helper processes at the lowest CPU priority (for benchmarks); 0 draws inline",
    )
    parser.add_argument(
        "--answer-log",
        metavar="FILE",
        help="add a JSON line to FILE for each generation answered: prompt, arrival and answer times",
    )
    args = parser.parse_args(argv)
    try:
        latency = parse_latency(args.latency)
    except ValueError:
        parser.error(f"--latency: expected seconds or a range like 2-20, not {args.latency!r}")
    logging.basicConfig(level=logging.INFO)
    try:
        serve_forever(
            args.port,
            latency,
            host=args.host,
            oversize_bytes=args.oversize_mb * 1024 * 1024,
            drawing_processes=args.drawing_processes,
            answer_log=args.answer_log,
        )
    except OSError as error:  # the port taken, an answer log it cannot write: say so in one line
        parser.error(f"could not start: {error}")
    return 0
