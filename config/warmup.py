"""What a fresh web process's first pages would pay (compiling the page templates, building the URL
resolver), paid when the process starts instead; bench/bench_warmup.py measures the effect."""

import logging
import time

from django.template import TemplateDoesNotExist, loader
from django.urls import reverse

logger = logging.getLogger("easel")

# The pages members open first; the cached template loader keeps them compiled for every thread.
FIRST_PAGES = (
    "registration/login.html",
    "imagegen/generate.html",
    "gallery/index.html",
    "gallery/image_detail.html",
)


def web_warm_up() -> float:
    """Compile the first pages' templates and build the URL resolver; milliseconds taken."""
    started = time.perf_counter()
    reverse("imagegen:generate")
    for name in FIRST_PAGES:
        try:
            loader.get_template(name)
        except TemplateDoesNotExist:
            logger.warning("Warm-up: no template %s", name)
    took = (time.perf_counter() - started) * 1000
    logger.info("Warmed up the page templates in %.0f ms", took)
    return took
