"""Paying, once at start, what the first generation after a start would otherwise pay on its own.

Measured with the stand-in (bench/bench_warmup.py, docs/benchmarks.md "Warm-up"): a fresh worker's first
generation set up the OpenRouter client (httpx, the TLS context), loaded Pillow's decoders and the WebP
encoder for the thumbnail, C2PA's Rust library for Content Credentials, and opened the database
connection, on the member's time. `generation_path_warm_up` does each of these with a tiny picture that
is never stored, and sends nothing to OpenRouter."""

import io
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from PIL import Image as PILImage

from gallery import credentials, files
from imagegen.client import api_for, openrouter_client
from imagegen.models import Generation
from openrouter import imagecheck

logger = logging.getLogger("easel.worker")


def _tiny_png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), (90, 120, 150)).save(out, "PNG")
    return out.getvalue()


def generation_path_warm_up() -> dict[str, float]:
    """Do once what a generation's first run would: milliseconds per step (a failing step is logged and
    skipped; the generation would then meet the same problem and report it as usual)."""
    timings: dict[str, float] = {}

    @contextmanager
    def step(name: str):
        started = time.perf_counter()
        try:
            yield
        except Exception:
            logger.warning("Warming up %s failed; the first generation will do it", name, exc_info=True)
        timings[name] = round((time.perf_counter() - started) * 1000, 1)

    picture = _tiny_png()
    with step("database connection"):
        connection.ensure_connection()
        Generation.objects.filter(pk=0).exists()
    with step("OpenRouter client (httpx, TLS context)"):
        if settings.OPENROUTER_API_KEY:
            # One pooled client per API: a model is generated through its own (chat or the Image API).
            for api in {api_for(None), "chat", "images"}:
                openrouter_client(api=api)
    with step("image check (Pillow decoders)"):
        imagecheck.inspect_image(picture, declared_mime="image/png", max_pixels=settings.MAX_IMAGE_PIXELS)
    with step("thumbnail (WebP encoder)"):
        files.make_thumbnail(picture)
    with step("Content Credentials (c2pa)"):
        credentials.read_content_credentials(data=picture, mime_type="image/png")
    logger.info(
        "Warmed up for the first generation: %s", ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items())
    )
    return timings
