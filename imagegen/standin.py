"""An offline stand-in for OpenRouter: a real HTTP server that speaks the same wire format.

It serves `/api/v1/chat/completions` and the dedicated Image API `/api/v1/images` (both streamed
and not), `/models` and `/key`, renders a real PNG for the prompt at the documented
size, and misbehaves on request: a marker such as `[fault:429]` or `[latency:5]` in the prompt
picks a fault (see docs/standin.md).

    python -m imagegen.standin --port 8765 --latency 2-20

Pure standard library plus Pillow; no Django.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import logging
import math
import random
import re
import secrets
import select
import socket
import string
import threading
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger("easel.standin")

API_PREFIX = "/api/v1"
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
INVALID_KEY = "sk-or-v1-invalid"
# The request log keeps only the latest requests: their bodies hold whole reference images, and
# `serve` runs for days.
REQUEST_LOG_LIMIT = 256
# How many generations' charges `charged_for` can still tell (the oldest are forgotten first).
CHARGES_KEPT = 1000

# Documented 1K pixel sizes per aspect ratio; 2K and 4K multiply both sides.
ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
IMAGE_SIZE_SCALE = {"1K": 1, "2K": 2, "4K": 4}


def image_dimensions(aspect_ratio: str | None, image_size: str | None) -> tuple[int, int]:
    width, height = ASPECT_RATIOS[aspect_ratio or "1:1"]
    scale = IMAGE_SIZE_SCALE[image_size or "1K"]
    return width * scale, height * scale


# Models


@dataclass(frozen=True, kw_only=True)
class StandinModel:
    id: str
    name: str
    description: str
    created: int
    context_length: int
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    pricing: dict[str, str]
    provider: str
    tokenizer: str
    # Which image_size values the model honours; others are ignored, as real models do.
    image_sizes: tuple[str, ...] = ("1K",)
    # Image tokens billed per output image, by image size.
    image_tokens: dict[str, int] = field(default_factory=dict)
    reasoning: bool = False
    native_finish_reason: str = "stop"

    @property
    def outputs_image(self) -> bool:
        return "image" in self.output_modalities

    @property
    def outputs_text(self) -> bool:
        return "text" in self.output_modalities

    def to_api(self) -> dict[str, Any]:
        """The model in OpenRouter's /models shape."""
        inputs = "+".join(sorted(self.input_modalities, key=lambda m: m != "text"))
        outputs = "+".join(sorted(self.output_modalities, key=lambda m: m != "text"))
        parameters = ["max_tokens", "seed", "temperature", "top_p"]
        if self.reasoning:
            parameters += ["include_reasoning", "reasoning"]
        return {
            "id": self.id,
            "canonical_slug": self.id,
            "hugging_face_id": None,
            "name": self.name,
            "created": self.created,
            "description": self.description,
            "context_length": self.context_length,
            "architecture": {
                "modality": f"{inputs}->{outputs}",
                "input_modalities": list(self.input_modalities),
                "output_modalities": list(self.output_modalities),
                "tokenizer": self.tokenizer,
                "instruct_type": None,
            },
            "pricing": dict(self.pricing),
            "top_provider": {
                "context_length": self.context_length,
                "max_completion_tokens": min(self.context_length, 32768),
                "is_moderated": self.provider == "OpenAI",
            },
            "per_request_limits": None,
            "supported_parameters": parameters,
            "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
            "supported_voices": None,
            "links": {"details": f"/api/v1/models/{self.id}/endpoints"},
        }


MODELS: tuple[StandinModel, ...] = (
    StandinModel(
        id="google/gemini-2.5-flash-image",
        name="Google: Gemini 2.5 Flash Image (Nano Banana)",
        description="Gemini 2.5 Flash Image generates and edits images from text and image prompts.",
        created=1759870431,
        context_length=32768,
        input_modalities=("image", "text"),
        output_modalities=("image", "text"),
        pricing={
            "prompt": "0.0000003",
            "completion": "0.0000025",
            "request": "0",
            "image": "0.001238",
            "image_output": "0.00003",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        provider="Google AI Studio",
        tokenizer="Gemini",
        image_tokens={"1K": 1290},
        native_finish_reason="STOP",
    ),
    StandinModel(
        id="google/gemini-3-pro-image-preview",
        name="Google: Nano Banana Pro (Gemini 3 Pro Image Preview)",
        description="Gemini 3 Pro Image: studio-quality generation and editing up to 4K, with reasoning.",
        created=1763653797,
        context_length=65536,
        input_modalities=("image", "text"),
        output_modalities=("image", "text"),
        pricing={
            "prompt": "0.000002",
            "completion": "0.000012",
            "request": "0",
            "image": "0.000002",
            "image_output": "0.00012",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        provider="Google AI Studio",
        tokenizer="Gemini",
        image_sizes=("1K", "2K", "4K"),
        image_tokens={"1K": 1120, "2K": 1120, "4K": 2000},
        reasoning=True,
        native_finish_reason="STOP",
    ),
    StandinModel(
        id="openai/gpt-5-image-mini",
        name="OpenAI: GPT-5 Image Mini",
        description="GPT-5 Mini with GPT Image 1 Mini: image generation and editing with reasoning.",
        created=1760624583,
        context_length=400000,
        input_modalities=("file", "image", "text"),
        output_modalities=("image", "text"),
        pricing={
            "prompt": "0.0000025",
            "completion": "0.000002",
            "request": "0",
            "image": "0.0000025",
            "image_output": "0.000008",
            "web_search": "0.01",
            "internal_reasoning": "0",
        },
        provider="OpenAI",
        tokenizer="GPT",
        image_tokens={"1K": 1056},
        reasoning=True,
        native_finish_reason="completed",
    ),
    StandinModel(
        id="black-forest-labs/flux.2-pro",
        name="Black Forest Labs: FLUX.2 [pro]",
        description="FLUX.2 [pro]: text-to-image and multi-reference editing, image output only.",
        created=1764097920,
        context_length=46864,
        input_modalities=("text", "image"),
        output_modalities=("image",),
        pricing={"prompt": "0", "completion": "0", "request": "0", "image": "0.015", "image_output": "0.03"},
        provider="Black Forest Labs",
        tokenizer="Other",
        image_sizes=("1K", "2K"),
        # Billed per output megapixel.
        image_tokens={"1K": 1, "2K": 4},
        native_finish_reason="Ready",
    ),
    StandinModel(
        id="black-forest-labs/flux.2-klein-4b",
        name="Black Forest Labs: FLUX.2 [klein] 4B",
        description="FLUX.2 [klein] 4B: fast, low-cost text-to-image, image output only.",
        created=1768435200,
        context_length=4096,
        input_modalities=("text",),
        output_modalities=("image",),
        pricing={"prompt": "0", "completion": "0", "request": "0", "image_output": "0.014"},
        provider="Black Forest Labs",
        tokenizer="Other",
        image_tokens={"1K": 1},
        native_finish_reason="Ready",
    ),
    StandinModel(
        id="openai/gpt-4o-mini",
        name="OpenAI: GPT-4o-mini",
        description="GPT-4o mini: a small, fast and affordable multimodal model (text output).",
        created=1721260800,
        context_length=128000,
        input_modalities=("text", "image", "file"),
        output_modalities=("text",),
        pricing={"prompt": "0.00000015", "completion": "0.0000006", "request": "0", "image": "0.000217"},
        provider="OpenAI",
        tokenizer="GPT",
    ),
    StandinModel(
        id="anthropic/claude-sonnet-4",
        name="Anthropic: Claude Sonnet 4",
        description="Claude Sonnet 4: coding and reasoning (text output).",
        created=1747930371,
        context_length=1000000,
        input_modalities=("image", "text", "file"),
        output_modalities=("text",),
        pricing={"prompt": "0.000003", "completion": "0.000015", "request": "0", "image": "0.0048"},
        provider="Anthropic",
        tokenizer="Claude",
    ),
)
MODELS_BY_ID = {model.id: model for model in MODELS}


def models_for(output_modalities: str | None) -> list[StandinModel]:
    """Filter like OpenRouter's `output_modalities` query: default `text`; `all`; comma lists."""
    wanted = {part.strip() for part in (output_modalities or "text").lower().split(",") if part.strip()}
    if "all" in wanted:
        return list(MODELS)
    return [model for model in MODELS if wanted & set(model.output_modalities)]


# Rendering

_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 50),
    "orange": (245, 140, 30),
    "yellow": (250, 215, 50),
    "gold": (212, 175, 55),
    "green": (50, 170, 80),
    "teal": (0, 140, 140),
    "cyan": (40, 200, 220),
    "blue": (40, 90, 220),
    "navy": (20, 30, 90),
    "purple": (130, 60, 180),
    "violet": (150, 90, 220),
    "pink": (240, 120, 170),
    "magenta": (210, 40, 170),
    "brown": (130, 80, 40),
    "black": (20, 20, 24),
    "white": (245, 245, 245),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "silver": (190, 195, 200),
}
_SHAPE_WORDS: dict[str, str] = {
    "circle": "circle",
    "sun": "circle",
    "moon": "circle",
    "ball": "circle",
    "planet": "circle",
    "square": "square",
    "box": "square",
    "cube": "square",
    "house": "square",
    "building": "square",
    "triangle": "triangle",
    "mountain": "triangle",
    "pyramid": "triangle",
    "tree": "triangle",
    "star": "star",
}
_SHAPES = ("circle", "square", "triangle", "star")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


type RGB = tuple[int, int, int]


def _scene(prompt: str, variant: int) -> tuple[list[RGB], str]:
    """Colours named in the prompt (else ones derived from it), and a shape it names (else a derived one)."""
    digest = hashlib.sha256(f"{prompt}|{variant}".encode()).digest()
    words = _words(prompt)
    colours: list[RGB] = []
    for word in words:
        if word in _COLOURS and _COLOURS[word] not in colours:
            colours.append(_COLOURS[word])
    colours += [(digest[i], digest[i + 1], digest[i + 2]) for i in (0, 3, 6)]
    colours = colours[:3]
    if variant:
        colours = colours[variant % 3 :] + colours[: variant % 3]
    shape = next((_SHAPE_WORDS[w] for w in words if w in _SHAPE_WORDS), _SHAPES[digest[9] % len(_SHAPES)])
    return colours, shape


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.42
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


@lru_cache(maxsize=48)
def render_png(prompt: str, width: int, height: int, variant: int = 0, caption: str = "") -> bytes:
    """A deterministic PNG: a gradient in the prompt's colours, its shape, and the prompt written on it."""
    colours, shape = _scene(prompt, variant)
    top, bottom, accent = colours
    # The gradient is made 256 px tall and stretched: far cheaper than compositing at full size.
    ramp = Image.linear_gradient("L").resize((2, 256))
    strip = Image.composite(Image.new("RGB", (2, 256), bottom), Image.new("RGB", (2, 256), top), ramp)
    picture = strip.resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(picture)
    side = min(width, height)
    cx, cy, r = width / 2, height * 0.45, side * 0.28
    box = (cx - r, cy - r, cx + r, cy + r)
    outline = (255, 255, 255)
    stroke = max(2, side // 200)
    if shape == "circle":
        draw.ellipse(box, fill=accent, outline=outline, width=stroke)
    elif shape == "square":
        draw.rectangle(box, fill=accent, outline=outline, width=stroke)
    elif shape == "triangle":
        draw.polygon(
            [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=accent, outline=outline, width=stroke
        )
    else:
        draw.polygon(_star(cx, cy, r), fill=accent, outline=outline, width=stroke)
    font = ImageFont.load_default(size=max(14, side // 22))
    lines = _wrap(prompt, max_chars=max(16, width // max(8, side // 40)))[:3]
    y = height * 0.80
    for line in lines:
        draw.text(
            (width / 2, y),
            line,
            font=font,
            fill="white",
            anchor="ma",
            stroke_width=max(1, side // 300),
            stroke_fill="black",
        )
        y += side / 20
    if caption:
        small = ImageFont.load_default(size=max(10, side // 48))
        draw.text(
            (side / 60, side / 60), caption, font=small, fill="white", stroke_width=1, stroke_fill="black"
        )
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _wrap(text: str, *, max_chars: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > max_chars:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb in miniature."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])  # 8-bit grey
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)  # a few rows; the rest is missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


# Fault markers


_MARKER = re.compile(r"\[(fault|latency):\s*([^\]\s]+)\s*\]", re.IGNORECASE)

# Faults answered with an HTTP error status before any stream: status, message, metadata, Retry-After.
_STATUS_FAULTS: dict[str, tuple[int, str, dict[str, Any] | None, str | None]] = {
    "400": (400, "Invalid request parameters", None, None),
    "401": (401, "User not found.", None, None),
    "402": (
        402,
        "This request requires more credits, or fewer max_tokens. You requested up to {max_tokens} "
        "tokens, but can only afford 1615. To increase, visit https://openrouter.ai/settings/credits "
        "and add more credits",
        None,
        None,
    ),
    "402-retry": (
        402,
        "Request would exceed your in-flight spending budget. Retry when running requests finish.",
        {"limit_source": "openrouter_in_flight_budget"},
        "1",
    ),
    "403": (
        403,
        '{model} requires moderation on {provider}. Your input was flagged for "violence/graphic". '
        "No credits were charged.",
        {
            "reasons": ["violence/graphic"],
            "flagged_input": "{flagged}",
            "provider_name": "{provider}",
            "model_slug": "{model}",
        },
        None,
    ),
    "404": (404, "No endpoints found for {model}.", None, None),
    "408": (408, "Operation timed out. Please try again later.", None, None),
    "413": (413, "Downloaded image content cannot exceed 30MB", {"provider_name": None}, None),
    "429": (429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"}, "1"),
    "429-long": (429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"}, "3600"),
    "500": (500, "Internal Server Error", None, None),
    "502": (
        502,
        "Provider returned error",
        {"provider_name": "{provider}", "raw": "upstream connect error"},
        None,
    ),
    "503": (503, "Service temporarily unavailable", None, "1"),
    "524": (524, "Provider timed out", None, None),
    "529": (529, "Provider returned error", {"error_type": "provider_overloaded"}, None),
}
_STREAM_FAULTS = frozenset(
    {
        "midstream",
        "midstream-early",
        "truncate",
        "noimage",
        "badbase64",
        "svg",
        "notimage",
        "oversize",
        "bomb",
        "mismatch",
        "slow",
        "hang",
        "two-images",
        "https-url",
    }
)
FAULTS = frozenset(_STATUS_FAULTS) | _STREAM_FAULTS


@dataclass(frozen=True, kw_only=True)
class Markers:
    fault: str | None = None
    # "-once": the fault happens the first time this exact prompt is seen, then requests succeed.
    once: bool = False
    latency: float | None = None
    prompt: str = ""  # the prompt with the markers removed


def parse_markers(prompt: str) -> Markers:
    fault: str | None = None
    once = False
    latency: float | None = None
    for kind, value in _MARKER.findall(prompt):
        value = value.lower()
        if kind.lower() == "latency":
            try:
                latency = max(0.0, float(value))
            except ValueError:
                continue
        else:
            if value.endswith("-once"):
                value, once = value[: -len("-once")], True
            if value in FAULTS:
                fault = value
    clean = " ".join(_MARKER.sub(" ", prompt).split())
    return Markers(fault=fault, once=once, latency=latency, prompt=clean)


# The server


class _ClientGone(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive connections may idle in their threads; stopping must not wait for them.
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog of 5 resets connections when many clients connect at once
    # (20 generations submitted together); OpenRouter never does that.
    request_queue_size = 128
    standin: StandinServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-stream is normal here; never print tracebacks for it.
        logger.debug("stand-in connection from %s ended with an error", client_address, exc_info=True)


class StandinServer:
    """The stand-in on a loopback port. `start()` runs it in a daemon thread; `stop()` ends it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float | tuple[float, float] = 0.0,
        *,
        keepalive_interval: float = 1.0,
        slow_seconds: float = 5.0,
        oversize_bytes: int = 64 * 1024 * 1024,
        credit_limit: float | None = None,
        hang_limit: float = 600.0,
    ) -> None:
        self._httpd = _Server((host, port), _Handler, bind_and_activate=True)
        self._httpd.standin = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.latency = latency
        self.keepalive_interval = keepalive_interval
        self.slow_seconds = slow_seconds
        self.oversize_bytes = oversize_bytes
        self.credit_limit = None if credit_limit is None else Decimal(str(credit_limit))
        self.hang_limit = hang_limit
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._generation_requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._generation_requests_received = 0
        self._seen_prompts: set[str] = set()
        self._charges: OrderedDict[str, Decimal] = OrderedDict()
        self._spent = Decimal(0)
        self._thread: threading.Thread | None = None
        self._random = random.Random()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openrouter-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # The request log, for tests.

    @property
    def generation_requests(self) -> list[dict[str, Any]]:
        """The latest POST /chat/completions and /images received (up to REQUEST_LOG_LIMIT, oldest first):
        {"path", "body", "headers", "received_at"} (the Authorization value hidden)."""
        with self._lock:
            return list(self._generation_requests)

    @property
    def generation_request_count(self) -> int:
        """How many generation requests arrived, including those the bounded log no longer holds."""
        with self._lock:
            return self._generation_requests_received

    # The names from before /images was served; they count requests to both endpoints.
    chat_requests = generation_requests
    chat_request_count = generation_request_count

    def requests_for(self, marker: str) -> list[dict[str, Any]]:
        """The logged generation requests whose prompt contains `marker` (handy with a unique tag per test)."""
        return [entry for entry in self.generation_requests if marker in _prompt_of(entry.get("body"))]

    def clear_log(self) -> None:
        with self._lock:
            self._generation_requests.clear()
            self._generation_requests_received = 0

    @property
    def spent(self) -> Decimal:
        with self._lock:
            return self._spent

    def charged_for(self, generation_id: str) -> Decimal:
        """What the stand-in charged for one generation (KeyError if it charged nothing under that id)."""
        with self._lock:
            return self._charges[generation_id]

    # Internal state changes.

    def _log_request(self, path: str, body: Any, headers: dict[str, str]) -> None:
        entry = {"path": path, "body": body, "headers": headers, "received_at": time.monotonic()}
        with self._lock:
            self._generation_requests.append(entry)
            self._generation_requests_received += 1

    def _first_time(self, prompt: str) -> bool:
        with self._lock:
            if prompt in self._seen_prompts:
                return False
            self._seen_prompts.add(prompt)
            return True

    def _latency(self, markers: Markers) -> float:
        if markers.latency is not None:
            return markers.latency
        if isinstance(self.latency, tuple):
            low, high = self.latency
            with self._lock:
                return self._random.uniform(low, high)
        return float(self.latency)

    def _charge(self, generation_id: str, cost: Decimal) -> None:
        with self._lock:
            self._spent += cost
            self._charges[generation_id] = cost
            while len(self._charges) > CHARGES_KEPT:
                self._charges.popitem(last=False)


def _prompt_of(body: Any) -> str:
    """The prompt of a chat or Image API request body ('' when there is none)."""
    if isinstance(body, dict) and isinstance(body.get("prompt"), str):
        return body["prompt"]
    try:
        content = body["messages"][-1]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _generation_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return f"gen-{int(time.time())}-{''.join(secrets.choice(alphabet) for _ in range(20))}"


def _error_body(status: int, message: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": status}
    if metadata is not None:
        error["metadata"] = metadata
    return {"error": error}


class _RequestError(Exception):
    def __init__(self, status: int, message: str, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = metadata


@dataclass(kw_only=True)
class _GenerationRequest:
    """A validated request to generate: from /chat/completions (`api="chat"`) or /images (`api="images"`)."""

    api: str
    model: StandinModel
    prompt: str
    markers: Markers
    stream: bool
    outputs_image: bool
    aspect_ratio: str | None
    image_size: str | None
    reference_images: int
    max_tokens: int | None
    referer: str | None
    user_agent: str | None
    image_count: int = 1
    output_format: str = "png"


def _model_named(model_id: object) -> StandinModel:
    if not isinstance(model_id, str) or not model_id:
        raise _RequestError(400, "No model provided")
    model = MODELS_BY_ID.get(model_id)
    if model is None:
        raise _RequestError(404, f"No endpoints found for {model_id}.")
    return model


def _check_image_url(part: object) -> None:
    """An input image as both APIs take it: {"type": "image_url", "image_url": {"url": ...}}."""
    image_url = part.get("image_url") if isinstance(part, dict) else None
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url.startswith(("data:image/", "https://", "http://")):
        raise _RequestError(400, "Invalid image_url")


def _check_image_input(model: StandinModel, reference_images: int) -> None:
    if reference_images and "image" not in model.input_modalities:
        raise _RequestError(404, "No endpoints found that support image input")


def _picture_settings(
    model: StandinModel, aspect_ratio: Any, image_size: Any, size_name: str
) -> tuple[str | None, str | None]:
    """(aspect ratio, image size) to render; a size the model does not honour is ignored, as real models do."""
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        raise _RequestError(
            400, f"Unsupported aspect_ratio {aspect_ratio!r}. Supported values: {', '.join(ASPECT_RATIOS)}"
        )
    if image_size is not None and image_size not in IMAGE_SIZE_SCALE:
        raise _RequestError(400, f"Unsupported {size_name} {image_size!r}. Supported values: 1K, 2K, 4K")
    return aspect_ratio, image_size if image_size in model.image_sizes else None


def _validate_chat(body: Any, headers: Any) -> _GenerationRequest:
    """Check a chat request the way OpenRouter does; raise _RequestError with its status and message."""
    if not isinstance(body, dict):
        raise _RequestError(400, "Invalid JSON body")
    model = _model_named(body.get("model"))
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        raise _RequestError(400, "Input required: specify 'messages'")
    content = messages[-1].get("content")
    reference_images = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                raise _RequestError(400, "Invalid content part")
            if part["type"] == "image_url":
                _check_image_url(part)
                reference_images += 1
    elif not isinstance(content, str):
        raise _RequestError(400, "Input required: specify 'messages'")
    _check_image_input(model, reference_images)

    modalities = body.get("modalities")
    if modalities is None:
        modalities = list(model.output_modalities)
    if not isinstance(modalities, list) or not all(m in ("text", "image", "audio") for m in modalities):
        raise _RequestError(400, "Invalid modalities")
    unsupported = [m for m in modalities if m not in model.output_modalities]
    if unsupported or not modalities:
        raise _RequestError(
            404, f"No endpoints found that support the requested output modalities: {', '.join(modalities)}"
        )

    config = body.get("image_config") or {}
    if not isinstance(config, dict):
        raise _RequestError(400, "image_config must be an object")
    aspect_ratio, image_size = _picture_settings(
        model, config.get("aspect_ratio"), config.get("image_size"), "image_size"
    )
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise _RequestError(400, "max_tokens must be a positive integer")
    prompt = _prompt_of(body)
    return _GenerationRequest(
        api="chat",
        model=model,
        prompt=prompt,
        markers=parse_markers(prompt),
        stream=body.get("stream") is True,
        outputs_image="image" in modalities,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        reference_images=reference_images,
        max_tokens=max_tokens,
        referer=headers.get("HTTP-Referer"),
        user_agent=headers.get("User-Agent"),
    )


# The Image API's `resolution` values; "512" is honoured by no stand-in model, so it renders 1K.
_RESOLUTIONS = ("512", "1K", "2K", "4K")
# `output_format` values the stand-in renders (the API also has "svg", for vectorization models only).
_OUTPUT_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def _validate_images(body: Any, headers: Any) -> _GenerationRequest:
    """Check an Image API request (POST /images) the way OpenRouter does."""
    if not isinstance(body, dict):
        raise _RequestError(400, "Invalid JSON body")
    model = _model_named(body.get("model"))
    if not model.outputs_image:
        raise _RequestError(404, f"No endpoints found for {model.id}.")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _RequestError(400, "Input required: specify 'prompt'")
    count = body.get("n", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
        raise _RequestError(400, "n must be an integer from 1 to 10")
    references = body.get("input_references") or []
    if not isinstance(references, list) or len(references) > 16:
        raise _RequestError(400, "input_references must be a list of at most 16 images")
    for part in references:
        if not isinstance(part, dict) or part.get("type") != "image_url":
            raise _RequestError(400, "Invalid input_references")
        _check_image_url(part)
    _check_image_input(model, len(references))
    resolution = body.get("resolution")
    if resolution is not None and resolution not in _RESOLUTIONS:
        raise _RequestError(
            400, f"Unsupported resolution {resolution!r}. Supported values: {', '.join(_RESOLUTIONS)}"
        )
    aspect_ratio, image_size = _picture_settings(
        model, body.get("aspect_ratio"), None if resolution == "512" else resolution, "resolution"
    )
    output_format = body.get("output_format", "png")
    if output_format == "svg":
        raise _RequestError(400, f"{model.id} cannot produce svg: it is not a vectorization model")
    if output_format not in _OUTPUT_FORMATS:
        raise _RequestError(400, f"Unsupported output_format {output_format!r}")
    return _GenerationRequest(
        api="images",
        model=model,
        prompt=prompt,
        markers=parse_markers(prompt),
        stream=body.get("stream") is True,
        outputs_image=True,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        reference_images=len(references),
        max_tokens=None,
        referer=headers.get("HTTP-Referer"),
        user_agent=headers.get("User-Agent"),
        image_count=count,
        output_format=output_format,
    )


@dataclass
class _Reply:
    """What a generation answers, before it is written as a stream or as one JSON document."""

    generation_id: str
    created: int
    model: StandinModel
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    # Each image is its data URL as ASCII bytes, or an int: a run of that many "A"s (oversize).
    images: list[bytes | int] = field(default_factory=list)
    image_mime: str = "image/png"
    # A small early version of the picture, as an Image API stream sends before the image.
    preview: bytes | None = None
    error: dict[str, Any] | None = None
    error_first: bool = False
    finish_reason: str = "stop"
    native_finish_reason: str = "stop"
    usage: dict[str, Any] = field(default_factory=dict)
    cost: Decimal = Decimal(0)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _price(model: StandinModel, key: str) -> Decimal:
    return Decimal(model.pricing.get(key, "0"))


def _plan_reply(request: _GenerationRequest, fault: str | None, *, oversize_bytes: int) -> _Reply:
    model = request.model
    reply = _Reply(
        generation_id=_generation_id(),
        created=int(time.time()),
        model=model,
        native_finish_reason=model.native_finish_reason,
    )
    subject = request.markers.prompt or "an empty prompt"
    width, height = image_dimensions(request.aspect_ratio, request.image_size)
    # The Image API answers with images only: no reasoning, no text.
    speaks = request.api == "chat"
    if speaks and model.reasoning and request.outputs_image:
        reply.reasoning = ["**Planning the image**\n\n", f"Composing {subject[:80]} at {width}x{height}.\n"]
    if speaks and "text" in model.output_modalities and not request.outputs_image:
        reply.content = ["This is the OpenRouter stand-in. ", f"You said: {subject[:200]}"]
    elif speaks and model.outputs_text:
        reply.content = ["Here is ", "your image."]

    if request.outputs_image and fault != "noimage":
        caption = f"{model.id} · {request.aspect_ratio or '1:1'} · {request.image_size or '1K'}"
        count = max(request.image_count, 2 if fault == "two-images" else 1)
        mime = f"image/{request.output_format}"
        for variant in range(count):
            picture = _encoded(render_png(subject, width, height, variant, caption), request.output_format)
            reply.images.append(_data_url(mime, picture))
        if request.api == "images":
            reply.preview = render_png(subject, max(1, width // 8), max(1, height // 8))
    elif fault == "noimage" and speaks:
        reply.content = ["I can't draw that, but I can describe it: ", f"imagine {subject[:200]}."]

    faulty_images: dict[str, bytes | int] = {
        "badbase64": b"data:image/png;base64,iVBORw0KGgo!!!not*base64***",
        "svg": _data_url(
            "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        ),
        "notimage": _data_url("image/png", b"this is not a png, just some text pretending to be one"),
        "oversize": oversize_bytes,
        "bomb": _data_url("image/png", bomb_png()),
        "https-url": b"https://images.example.com/generated/stand-in.png",
    }
    if not speaks:
        del faulty_images["https-url"]  # the Image API always answers with the bytes
    if fault in faulty_images and reply.images:
        reply.images = [faulty_images[fault]]
    if fault == "mismatch" and reply.images:
        reply.images = [_data_url("image/jpeg", render_png(subject, width, height, 0, ""))]

    image_count = len(reply.images)
    image_tokens = model.image_tokens.get(request.image_size or "1K", 0) * image_count
    text_tokens = sum(_tokens(t) for t in reply.content)
    reasoning_tokens = sum(_tokens(t) for t in reply.reasoning)
    prompt_tokens = _tokens(request.prompt) + 258 * request.reference_images
    completion_tokens = image_tokens + text_tokens + reasoning_tokens
    prompt_cost = prompt_tokens * _price(model, "prompt")
    completion_cost = (text_tokens + reasoning_tokens) * _price(model, "completion") + image_tokens * _price(
        model, "image_output"
    )
    reply.cost = prompt_cost + completion_cost
    reply.usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "cost": float(reply.cost),
        "is_byok": False,
        "prompt_tokens_details": {
            "cached_tokens": 0,
            "cache_write_tokens": 0,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": None,
            "upstream_inference_prompt_cost": float(prompt_cost),
            "upstream_inference_completions_cost": float(completion_cost),
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "image_tokens": image_tokens,
            "audio_tokens": 0,
        },
    }
    if fault in ("midstream", "midstream-early"):
        reply.error = {
            "code": 502,
            "message": "Provider returned error"
            if fault == "midstream-early"
            else "Provider disconnected unexpectedly",
            "metadata": {"error_type": "provider_unavailable", "provider_name": model.provider},
        }
        reply.error_first = fault == "midstream-early"
        if speaks and not reply.error_first and not reply.content:
            reply.content = ["Working on it"]
        reply.images = []
        reply.finish_reason = reply.native_finish_reason = "error"
    return reply


def _data_url(mime: str, data: bytes) -> bytes:
    return b"data:" + mime.encode() + b";base64," + base64.b64encode(data)


def _encoded(png: bytes, output_format: str) -> bytes:
    """The rendered PNG in the requested format (png, jpeg or webp)."""
    if output_format == "png":
        return png
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as picture:
        picture.convert("RGB").save(out, _OUTPUT_FORMATS[output_format])
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenRouterStandin/1.0"
    # Idle keep-alive connections end after this many seconds.
    timeout = 30
    server: _Server

    @property
    def standin(self) -> StandinServer:
        return self.server.standin

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stand-in %s - %s", self.address_string(), format % args)

    # Plumbing

    def _route(self) -> tuple[str, dict[str, list[str]]]:
        url = urlsplit(self.path)
        path = url.path
        if not path.startswith(API_PREFIX + "/"):
            return "", {}
        return path[len(API_PREFIX) :].rstrip("/"), parse_qs(url.query)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self._write(data)

    def _send_error(
        self, status: int, message: str, metadata: dict[str, Any] | None = None, **headers: str
    ) -> None:
        self._send_json(status, _error_body(status, message, metadata), headers)

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:  # BrokenPipe, ConnectionReset...: the client went away
            self.close_connection = True
            raise _ClientGone from exc

    def _write_chunk(self, *parts: bytes) -> None:
        size = sum(len(part) for part in parts)
        if size:
            self._write(b"%x\r\n" % size + b"".join(parts) + b"\r\n")

    def _end_chunks(self) -> None:
        self._write(b"0\r\n\r\n")

    def _authorized(self) -> str | None:
        """The bearer key, or None after answering 401."""
        header = self.headers.get("Authorization", "")
        key = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not key:
            self._send_error(401, "No auth credentials found")
            return None
        if key == INVALID_KEY:
            self._send_error(401, "User not found.")
            return None
        return key

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _wait(self, seconds: float, *, keepalive: bool) -> None:
        """Wait, sending keep-alive comments on a stream; stop early if the client left."""
        deadline = time.monotonic() + seconds
        interval = self.standin.keepalive_interval
        while (left := deadline - time.monotonic()) > 0:
            if self.standin.stopping.wait(min(left, interval)):
                raise _ClientGone
            if self._client_gone():
                raise _ClientGone
            if keepalive and deadline - time.monotonic() > 0:
                self._write_chunk(KEEPALIVE)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _ClientGone:
            self.close_connection = True
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    # GET

    def do_GET(self) -> None:
        route, query = self._route()
        if route == "/models":
            # No key is needed (OpenRouter's docs call it without one), but a revoked key is refused.
            if self.headers.get("Authorization") and self._authorized() is None:
                return
            wanted = (query.get("output_modalities") or [None])[0]
            data = [model.to_api() for model in models_for(wanted)]
            self._send_json(200, {"data": data, "total_count": len(data), "links": {"next": None}})
        elif route in ("/key", "/auth/key"):
            key = self._authorized()
            if key is not None:
                self._send_json(200, {"data": self._key_data(key)})
        else:
            self._send_error(404, "Not Found")

    def _key_data(self, key: str) -> dict[str, Any]:
        spent = float(self.standin.spent)
        limit = self.standin.credit_limit
        return {
            "label": f"{key[:11]}...{key[-3:]}" if len(key) > 16 else "stand-in key",
            "limit": None if limit is None else float(limit),
            "limit_remaining": None if limit is None else float(max(limit - self.standin.spent, Decimal(0))),
            "limit_reset": None,
            "include_byok_in_limit": False,
            "usage": spent,
            "usage_daily": spent,
            "usage_weekly": spent,
            "usage_monthly": spent,
            "byok_usage": 0,
            "byok_usage_daily": 0,
            "byok_usage_weekly": 0,
            "byok_usage_monthly": 0,
            "is_free_tier": False,
            "is_management_key": False,
            "is_provisioning_key": False,
            "expires_at": None,
            "rate_limit": {"requests": -1, "interval": "10s", "note": "This field is deprecated"},
        }

    # POST

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route, _ = self._route()
        validate = _GENERATION_ROUTES.get(route)
        if validate is None:
            self._send_error(404, "Not Found")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        headers = {
            name: ("Bearer ***" if name.lower() == "authorization" else value)
            for name, value in self.headers.items()
        }
        self.standin._log_request(route, body, headers)
        if self._authorized() is None:
            return
        try:
            request = validate(body, self.headers)
        except _RequestError as error:
            self._send_error(error.status, error.message, error.metadata)
            return
        markers = request.markers
        fault = markers.fault
        if fault and markers.once and not self.standin._first_time(request.prompt):
            fault = None
        if fault in _STATUS_FAULTS:
            self._send_status_fault(fault, request)
            return
        reply = _plan_reply(request, fault, oversize_bytes=self.standin.oversize_bytes)
        latency = self.standin._latency(markers)
        if request.stream:
            self._stream(reply, request, fault, latency)
        else:
            self._complete(reply, request, fault, latency)

    def _send_status_fault(self, fault: str, request: _GenerationRequest) -> None:
        status, message, metadata, retry_after = _STATUS_FAULTS[fault]
        if request.api == "images":
            message = _IMAGES_STATUS_MESSAGES.get(fault, message)
        values = {
            "model": request.model.id,
            "provider": request.model.provider,
            "max_tokens": str(request.max_tokens or 65536),
            "flagged": request.markers.prompt[:100],
        }
        filled = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in (metadata or {}).items()}
        headers = {"Retry-After": retry_after} if retry_after else {}
        self._send_json(
            status, _error_body(status, message.format(**values), filled if metadata else None), headers
        )

    # Writing a reply

    def _chunk(self, reply: _Reply, choice: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": reply.generation_id,
            "object": "chat.completion.chunk",
            "created": reply.created,
            "model": reply.model.id,
            "provider": reply.model.provider,
            **extra,
            "choices": [choice],
        }

    def _event_lines(self, reply: _Reply) -> Iterator[list[bytes]]:
        """The chat stream's events after the keep-alives, each as the byte pieces of one SSE event."""

        def choice(
            delta: dict[str, Any], finish: str | None = None, native: str | None = None
        ) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native}

        if reply.error is not None and reply.error_first:
            yield _event(self._chunk(reply, choice({"content": ""}, "error", "error"), error=reply.error))
            return
        for text in reply.reasoning:
            yield _event(self._chunk(reply, choice({"role": "assistant", "content": "", "reasoning": text})))
        for text in reply.content:
            yield _event(self._chunk(reply, choice({"content": text, "role": "assistant"})))
        if reply.error is not None:
            yield _event(self._chunk(reply, choice({"content": ""}, "error", "error"), error=reply.error))
            return
        for index, image in enumerate(reply.images):
            delta = {
                "role": "assistant",
                "content": "",
                "images": [{"type": "image_url", "image_url": {"url": _SLOT}, "index": index}],
            }
            yield _event(self._chunk(reply, choice(delta)), _image_pieces(image))
        done = choice({"content": "", "role": "assistant"}, reply.finish_reason, reply.native_finish_reason)
        yield _event(self._chunk(reply, done))
        yield _event(self._chunk(reply, done, system_fingerprint=None, service_tier=None, usage=reply.usage))
        yield [b"data: [DONE]\n\n"]

    def _image_event_lines(self, reply: _Reply) -> Iterator[list[bytes]]:
        """The Image API stream's events: a preview, each image completed (the last with usage), [DONE]."""
        if reply.preview is not None and not reply.error_first:
            b64 = base64.b64encode(reply.preview).decode()
            yield _event(
                {"type": "image_generation.partial_image", "partial_image_index": 0, "b64_json": b64}
            )
        if reply.error is not None:
            error = {"code": "upstream_error", "message": reply.error["message"], "param": None}
            yield _event({"type": "error", "error": error | {"type": "provider_error"}})
        else:
            for index, image in enumerate(reply.images):
                media_type, pieces = _base64_of(image)
                completed = {
                    "type": "image_generation.completed",
                    "b64_json": _SLOT,
                    "media_type": media_type,
                }
                completed["created"] = reply.created
                if index == len(reply.images) - 1:
                    completed["usage"] = _images_usage(reply.usage)
                yield _event(completed, pieces)
        yield [b"data: [DONE]\n\n"]

    def _stream(self, reply: _Reply, request: _GenerationRequest, fault: str | None, latency: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Generation-Id", reply.generation_id)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        # OpenRouter opens with several keep-alives (a real capture has five before the first data).
        self._write_chunk(KEEPALIVE * 3)
        if fault == "hang":
            self._wait(self.standin.hang_limit, keepalive=False)
            self.close_connection = True
            return
        self._wait(latency, keepalive=True)
        events = self._event_lines(reply) if request.api == "chat" else self._image_event_lines(reply)
        if fault == "slow":
            self._trickle(b"".join(piece for pieces in events for piece in pieces))
        else:
            for pieces in events:
                if fault == "truncate" and len(pieces) > 1:
                    # Cut the connection in the middle of the image's base64.
                    head = b"".join(pieces[:2])
                    self._write_chunk(head[: len(head) // 2])
                    self.close_connection = True
                    return
                for piece in pieces:
                    self._write_chunk(piece)
        self._charge(reply, request)  # before the stream's end reaches the client
        self._end_chunks()

    def _trickle(self, data: bytes) -> None:
        steps = 50
        size = max(1, -(-len(data) // steps))
        pause = self.standin.slow_seconds / steps
        for start in range(0, len(data), size):
            self._write_chunk(data[start : start + size])
            if self.standin.stopping.wait(pause):
                raise _ClientGone

    def _complete(
        self, reply: _Reply, request: _GenerationRequest, fault: str | None, latency: float
    ) -> None:
        if fault == "hang":
            self._wait(self.standin.hang_limit, keepalive=False)
            self.close_connection = True
            return
        self._wait(latency, keepalive=False)
        if request.api == "images" and reply.error is not None:
            # The Image API bills all-or-nothing: a failed generation is a 502 and costs nothing.
            metadata = {"provider_name": reply.model.provider, "raw": reply.error["message"]}
            self._send_json(502, _error_body(502, "Provider returned error", metadata))
            return
        body = self._completion_body(reply) if request.api == "chat" else self._images_body(reply)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Generation-Id", reply.generation_id)
        self.end_headers()
        if fault == "truncate":
            self._write(body[: len(body) // 2])
            self.close_connection = True
            return
        if fault == "slow":
            steps = 50
            size = max(1, -(-len(body) // steps))
            for start in range(0, len(body), size):
                self._write(body[start : start + size])
                if self.standin.stopping.wait(self.standin.slow_seconds / steps):
                    raise _ClientGone
            self._charge(reply, request)
        else:
            # Charged before the last byte goes out, as OpenRouter has by then: a client
            # that has read the whole answer then always finds the spend.
            self._charge(reply, request)
            self._write(body)

    def _completion_body(self, reply: _Reply) -> bytes:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(reply.content),
            "refusal": None,
            "reasoning": "".join(reply.reasoning) or None,
        }
        if reply.images:
            message["images"] = [
                {"type": "image_url", "image_url": {"url": _slot(i)}, "index": i}
                for i in range(len(reply.images))
            ]
        choice: dict[str, Any] = {
            "logprobs": None,
            "finish_reason": reply.finish_reason,
            "native_finish_reason": reply.native_finish_reason,
            "index": 0,
            "message": message,
        }
        if reply.error is not None:
            choice["error"] = reply.error
        payload = {
            "id": reply.generation_id,
            "provider": reply.model.provider,
            "model": reply.model.id,
            "object": "chat.completion",
            "created": reply.created,
            "choices": [choice],
            "usage": reply.usage,
        }
        return _with_slots_filled(payload, [_image_pieces(image) for image in reply.images])

    def _images_body(self, reply: _Reply) -> bytes:
        images = [_base64_of(image) for image in reply.images]
        payload = {
            "created": reply.created,
            "data": [
                {"b64_json": _slot(i), "media_type": media_type} for i, (media_type, _) in enumerate(images)
            ],
            "usage": _images_usage(reply.usage),
        }
        return _with_slots_filled(payload, [pieces for _, pieces in images])

    def _charge(self, reply: _Reply, request: _GenerationRequest) -> None:
        if request.api == "images" and reply.error is not None:
            return  # all-or-nothing billing: nothing to charge
        self.standin._charge(reply.generation_id, reply.cost)


_GENERATION_ROUTES: dict[str, Callable[[Any, Any], _GenerationRequest]] = {
    "/chat/completions": _validate_chat,
    "/images": _validate_images,
}
# The Image API has no max_tokens, so its 402 says what the spec's example says.
_IMAGES_STATUS_MESSAGES = {"402": "Insufficient credits. Add more using https://openrouter.ai/credits"}

# Stands for an image's string in a JSON document until the image's bytes are put in its place.
_SLOT = "\x00image\x00"


def _slot(index: int) -> str:
    return f"\x00image{index}\x00"


def _event(payload: dict[str, Any], image: list[bytes] | None = None) -> list[bytes]:
    """One SSE data event as byte pieces; `image` fills the payload's `_SLOT` string, unquoted."""
    if image is None:
        return [b"data: " + json.dumps(payload).encode() + b"\n\n"]
    before, after = json.dumps(payload).split(json.dumps(_SLOT))
    return [b"data: " + before.encode() + b'"', *image, b'"' + after.encode() + b"\n\n"]


def _with_slots_filled(payload: dict[str, Any], images: list[list[bytes]]) -> bytes:
    """The payload as JSON with `_slot(i)` replaced by image i's bytes (a multi-megabyte string)."""
    text = json.dumps(payload).encode()
    for index, pieces in enumerate(images):
        text = text.replace(json.dumps(_slot(index)).encode(), b'"' + b"".join(pieces) + b'"')
    return text


def _images_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """The Image API's usage: the token counts, image and reasoning tokens, and cost."""
    details = usage["completion_tokens_details"]
    return {
        "prompt_tokens": usage["prompt_tokens"],
        "completion_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
        "cost": usage["cost"],
        "completion_tokens_details": {
            "image_tokens": details["image_tokens"],
            "reasoning_tokens": details["reasoning_tokens"],
        },
    }


def _image_pieces(image: bytes | int) -> list[bytes]:
    """An image URL's bytes; an int is a cheap oversize payload of that many base64 characters."""
    if isinstance(image, bytes):
        return [image]
    return [b"data:image/png;base64,", *_repeated(b"A", image)]


def _base64_of(image: bytes | int) -> tuple[str, list[bytes]]:
    """(media type, base64 pieces) of an image, for the Image API's `b64_json` and `media_type`."""
    header, *payload = _image_pieces(image)
    if not payload:
        header, _, base64_text = header.partition(b",")
        payload = [base64_text]
    return header.removeprefix(b"data:").split(b";")[0].decode(), payload


def _repeated(byte: bytes, count: int, block: int = 1 << 20) -> list[bytes]:
    whole, rest = divmod(count, block)
    filler = byte * block
    return [filler] * whole + ([byte * rest] if rest else [])


# Running it


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imagegen.standin", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", default="0", help="seconds per generation: '2', or a random range '2-20'"
    )
    parser.add_argument("--oversize-mb", type=int, default=64, help="base64 size of [fault:oversize], in MiB")
    args = parser.parse_args(argv)
    try:
        latency = parse_latency(args.latency)
    except ValueError:
        parser.error(f"--latency: expected seconds or a range like 2-20, not {args.latency!r}")
    logging.basicConfig(level=logging.INFO)
    serve_forever(args.port, latency, host=args.host, oversize_bytes=args.oversize_mb * 1024 * 1024)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
