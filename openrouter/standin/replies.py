"""What the stand-in answers a valid request: text, reasoning, pictures, usage and cost, faults applied."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openrouter.standin.faults import IMAGES_STATUS_MESSAGES, STATUS_FAULTS
from openrouter.standin.models import StandinModel
from openrouter.standin.rendering import bomb_png, image_dimensions, picture, render_png
from openrouter.standin.validation import GenerationRequest
from openrouter.standin.wire import data_url, error_body

# Draws one picture: rendering.picture's arguments, its bytes.
Draw = Callable[..., bytes]


def generation_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return f"gen-{int(time.time())}-{''.join(secrets.choice(alphabet) for _ in range(20))}"


@dataclass
class Reply:
    """What a generation answers, before it is written as a stream or as one JSON document."""

    generation_id: str
    created: int
    model: StandinModel
    # Who served it: the Image API's chosen provider, or the model's one provider on chat.
    provider_name: str = ""
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    # Each image is its data URL as ASCII bytes, or an int: a run of that many "A"s (oversize).
    images: list[bytes | int] = field(default_factory=list)
    # Small early versions of the picture, sent before it by an Image API provider that streams.
    previews: list[bytes] = field(default_factory=list)
    # The seed the images were drawn with (echoed with each image), if the request sent one.
    seed: int | None = None
    error: dict[str, Any] | None = None
    error_first: bool = False
    finish_reason: str = "stop"
    native_finish_reason: str = "stop"
    usage: dict[str, Any] = field(default_factory=dict)
    cost: Decimal = Decimal(0)


def status_fault_answer(request: GenerationRequest, fault: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, error body, headers) for a fault answered with an HTTP error status before any stream."""
    status, message, metadata, retry_after = STATUS_FAULTS[fault]
    if request.api == "images":
        message = IMAGES_STATUS_MESSAGES.get(fault, message)
    values = {
        "model": request.model.id,
        "provider": request.model.provider,
        "max_tokens": str(request.max_tokens or 65536),
        "flagged": request.markers.prompt[:100],
    }
    filled = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in (metadata or {}).items()}
    headers = {"Retry-After": retry_after} if retry_after else {}
    return status, error_body(status, message.format(**values), filled if metadata else None), headers


def plan_reply(
    request: GenerationRequest, fault: str | None, *, oversize_bytes: int, draw: Draw = picture
) -> Reply:
    """Everything a request that passed the checks answers, with its fault (if any) applied. `draw`
    makes each picture (rendering.picture, here or in a drawing process: StandinServer.draw)."""
    model = request.model
    reply = Reply(
        generation_id=generation_id(),
        created=int(time.time()),
        model=model,
        provider_name=request.provider.provider_name if request.provider else model.provider,
        native_finish_reason=model.native_finish_reason,
    )
    subject = request.markers.prompt or "an empty prompt"
    width, height = image_dimensions(request.aspect_ratio, request.image_size)
    # The Image API answers with images only: no reasoning, no text.
    if request.api == "chat":
        _add_words(reply, request, fault, subject, f"{width}x{height}")
    if request.outputs_image and fault != "noimage":
        _add_pictures(reply, request, subject, width, height, two=fault == "two-images", draw=draw)
        broken = _broken_image(
            fault,
            chat=request.api == "chat",
            subject=subject,
            size=(width, height),
            oversize_bytes=oversize_bytes,
        )
        if broken is not None:
            reply.images = [broken]
    _bill(reply, request, width, height)
    if fault in ("midstream", "midstream-early"):
        _fail_midstream(reply, request, early=fault == "midstream-early")
    return reply


def _add_words(reply: Reply, request: GenerationRequest, fault: str | None, subject: str, size: str) -> None:
    """Reasoning (models that reason, when drawing) and text (models that output text)."""
    model = request.model
    if model.reasoning and request.outputs_image:
        reply.reasoning = ["**Planning the image**\n\n", f"Composing {subject[:80]} at {size}.\n"]
    if "text" in model.output_modalities and not request.outputs_image:
        reply.content = ["This is the OpenRouter stand-in. ", f"You said: {subject[:200]}"]
    elif model.outputs_text:
        reply.content = ["Here is ", "your image."]
    if fault == "noimage":
        reply.content = ["I can't draw that, but I can describe it: ", f"imagine {subject[:200]}."]


# Previews a streaming provider sends before each image, and the share of the image's side they have.
PREVIEW_SCALES = (8, 4)


def _add_pictures(
    reply: Reply, request: GenerationRequest, subject: str, width: int, height: int, *, two: bool, draw: Draw
) -> None:
    """The pictures (`two`: at least two, as Gemini 3 Pro sometimes sends), drawn with the request's
    seed, see-through where a transparent background was asked for, and a streaming provider's previews."""
    model = request.model
    caption = f"{model.id} · {request.aspect_ratio or '1:1'} · {request.image_size or '1K'}"
    count = max(request.image_count, 2 if two else 1)
    mime = f"image/{request.output_format}"
    transparent = request.background == "transparent"
    reply.seed = request.seed
    for variant in range(count):
        drawn = draw(
            subject,
            width,
            height,
            variant,
            caption,
            seed=request.seed,
            transparent=transparent,
            output_format=request.output_format,
        )
        reply.images.append(data_url(mime, drawn))
    if (
        request.api == "images"
        and request.stream
        and request.provider
        and request.provider.supports_streaming
    ):
        reply.previews = [
            render_png(subject, max(1, width // scale), max(1, height // scale), seed=request.seed)
            for scale in PREVIEW_SCALES
        ]


def _broken_image(
    fault: str | None, *, chat: bool, subject: str, size: tuple[int, int], oversize_bytes: int
) -> bytes | int | None:
    """What a fault sends in place of the picture; None when the picture stays."""
    match fault:
        case "badbase64":
            return b"data:image/png;base64,iVBORw0KGgo!!!not*base64***"
        case "svg":
            return data_url(
                "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
            )
        case "notimage":
            return data_url("image/png", b"this is not a png, just some text pretending to be one")
        case "oversize":
            return oversize_bytes
        case "bomb":
            return data_url("image/png", bomb_png())
        case "https-url" if chat:  # the Image API always answers with the bytes
            return b"https://images.example.com/generated/stand-in.png"
        case "mismatch":
            return data_url("image/jpeg", render_png(subject, *size, 0, ""))
    return None


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _price(model: StandinModel, key: str) -> Decimal:
    return Decimal(model.pricing.get(key, "0"))


# Output tokens of a 1024×1024 image by quality, as OpenAI bills GPT Image ("auto" draws at medium).
_QUALITY_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}
# Input tokens billed for one reference image by a provider that prices images per token.
_REFERENCE_TOKENS = 258


def _line_quantity(line: dict[str, Any], request: GenerationRequest, images: int, pixels: int) -> Decimal:
    """How many of a pricing line's units the request used (0 for what it did not use)."""
    per = (line["billable"], line["unit"])
    megapixels = Decimal(pixels) / 1_000_000
    if line["billable"] == "output_image":
        tokens = _QUALITY_TOKENS[request.quality or "auto"] * pixels // (1024 * 1024)
        quantities = {"image": images, "megapixel": images * megapixels, "token": images * tokens}
        return Decimal(quantities.get(line["unit"], 0))
    if line["billable"] in ("input_image", "input_reference"):
        quantities = {
            "image": request.reference_images,
            "megapixel": request.reference_megapixels,
            "token": request.reference_images * _REFERENCE_TOKENS,
        }
        return Decimal(quantities.get(line["unit"], 0))
    if per == ("input_text", "token"):
        return Decimal(_tokens(request.prompt))
    return Decimal(1) if line["unit"] == "request" else Decimal(0)


def images_api_cost(request: GenerationRequest, images: int, width: int, height: int) -> Decimal:
    """What the serving provider's pricing lines charge for the request (a line whose variant names another
    resolution or quality than the one drawn does not apply)."""
    assert request.provider is not None
    chosen = {request.image_size or "1K", request.quality or "auto"}
    return sum(
        (
            Decimal(str(line["cost_usd"])) * _line_quantity(line, request, images, width * height)
            for line in request.provider.pricing
            if line.get("variant") in (None, *chosen)
        ),
        Decimal(0),
    )


def _bill(reply: Reply, request: GenerationRequest, width: int, height: int) -> None:
    """The reply's usage and cost, as OpenRouter reports them: at the model's token prices on chat, at
    the serving provider's pricing lines on the Image API."""
    model = request.model
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
    if request.provider is not None:
        prompt_cost, completion_cost = Decimal(0), images_api_cost(request, image_count, width, height)
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


def _fail_midstream(reply: Reply, request: GenerationRequest, *, early: bool) -> None:
    """The provider fails after the stream began (`early`: before anything else was sent)."""
    reply.error = {
        "code": 502,
        "message": "Provider returned error" if early else "Provider disconnected unexpectedly",
        "metadata": {"error_type": "provider_unavailable", "provider_name": request.model.provider},
    }
    reply.error_first = early
    if request.api == "chat" and not reply.error_first and not reply.content:
        reply.content = ["Working on it"]
    reply.images = []
    reply.finish_reason = reply.native_finish_reason = "error"
