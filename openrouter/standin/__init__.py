"""An offline stand-in for OpenRouter: a real HTTP server that speaks the same wire format.

It serves `/api/v1/chat/completions` and the dedicated Image API `/api/v1/images` (both streamed
and not, with previews from providers that stream), the model lists `/models` and `/images/models`,
each Image API model's providers (descriptors and pricing lines), `/generation` and `/key`, renders a
real PNG for the prompt at the documented size (drawn with the seed sent), and
misbehaves on request: a marker such as `[fault:429]` or `[latency:5]` in the prompt picks a fault
(see docs/standin.md).

    python -m openrouter.standin --port 8765 --latency 2-20

Pure standard library plus Pillow; no Django.
"""

from openrouter.standin.cli import main, parse_latency, serve_forever
from openrouter.standin.faults import FAULTS, Markers, parse_markers
from openrouter.standin.models import MODELS, StandinModel, models_for
from openrouter.standin.rendering import (
    bomb_png,
    image_dimensions,
    render_png,
)
from openrouter.standin.server import API_PREFIX, INVALID_KEY, REQUEST_LOG_LIMIT, StandinServer
from openrouter.standin.wire import KEEPALIVE

__all__ = [
    "API_PREFIX",
    "FAULTS",
    "INVALID_KEY",
    "KEEPALIVE",
    "MODELS",
    "REQUEST_LOG_LIMIT",
    "Markers",
    "StandinModel",
    "StandinServer",
    "bomb_png",
    "image_dimensions",
    "main",
    "models_for",
    "parse_latency",
    "parse_markers",
    "render_png",
    "serve_forever",
]
