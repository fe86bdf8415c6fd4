"""Checks a generation request the way OpenRouter does, for chat completions and the Image API."""

from __future__ import annotations

import base64
import binascii
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PIL import Image

from core.aspect_ratios import ASPECT_RATIO_PIXELS, IMAGE_SIZE_FACTORS
from openrouter.standin.faults import Markers, parse_markers
from openrouter.standin.models import MODELS_BY_ID, StandinEndpoint, StandinModel


def prompt_of(body: Any) -> str:
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


class RequestError(Exception):
    def __init__(self, status: int, message: str, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = metadata


@dataclass(kw_only=True)
class GenerationRequest:
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
    image_count: int = 1
    output_format: str = "png"
    # The Image API provider chosen to serve it (None on chat completions).
    provider: StandinEndpoint | None = None
    seed: int | None = None
    quality: str | None = None
    background: str | None = None
    # The references' size in all, in megapixels (one each where a reference cannot be measured).
    reference_megapixels: Decimal = Decimal(0)


def _model_named(model_id: object) -> StandinModel:
    if not isinstance(model_id, str) or not model_id:
        raise RequestError(400, "No model provided")
    model = MODELS_BY_ID.get(model_id)
    if model is None:
        raise RequestError(404, f"No endpoints found for {model_id}.")
    return model


def _check_image_url(part: object) -> str:
    """An input image as both APIs take it: {"type": "image_url", "image_url": {"url": ...}}."""
    image_url = part.get("image_url") if isinstance(part, dict) else None
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url.startswith(("data:image/", "https://", "http://")):
        raise RequestError(400, "Invalid image_url")
    return url


def _megapixels(url: str) -> Decimal:
    """A reference's size, for pricing per megapixel: read from its data URL, else one megapixel."""
    try:
        with Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2], validate=True))) as picture:
            width, height = picture.size
    except (ValueError, OSError, binascii.Error):
        return Decimal(1)
    return Decimal(width * height) / 1_000_000


def _check_image_input(model: StandinModel, reference_images: int) -> None:
    if reference_images and "image" not in model.input_modalities:
        raise RequestError(404, "No endpoints found that support image input")


def _picture_settings(
    model: StandinModel, aspect_ratio: Any, image_size: Any, size_name: str
) -> tuple[str | None, str | None]:
    """(aspect ratio, image size) to render; a size the model does not honour is ignored, as real models do."""
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIO_PIXELS:
        raise RequestError(
            400,
            f"Unsupported aspect_ratio {aspect_ratio!r}. Supported values: {', '.join(ASPECT_RATIO_PIXELS)}",
        )
    if image_size is not None and image_size not in IMAGE_SIZE_FACTORS:
        raise RequestError(400, f"Unsupported {size_name} {image_size!r}. Supported values: 1K, 2K, 4K")
    return aspect_ratio, image_size if image_size in model.image_sizes else None


def validate_chat(body: Any) -> GenerationRequest:
    """Check a chat request the way OpenRouter does; raise RequestError with its status and message."""
    if not isinstance(body, dict):
        raise RequestError(400, "Invalid JSON body")
    model = _model_named(body.get("model"))
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        raise RequestError(400, "Input required: specify 'messages'")
    content = messages[-1].get("content")
    reference_images = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                raise RequestError(400, "Invalid content part")
            if part["type"] == "image_url":
                _check_image_url(part)
                reference_images += 1
    elif not isinstance(content, str):
        raise RequestError(400, "Input required: specify 'messages'")
    _check_image_input(model, reference_images)

    modalities = body.get("modalities")
    if modalities is None:
        modalities = list(model.output_modalities)
    if not isinstance(modalities, list) or not all(m in ("text", "image", "audio") for m in modalities):
        raise RequestError(400, "Invalid modalities")
    unsupported = [m for m in modalities if m not in model.output_modalities]
    if unsupported or not modalities:
        raise RequestError(
            404, f"No endpoints found that support the requested output modalities: {', '.join(modalities)}"
        )

    config = body.get("image_config") or {}
    if not isinstance(config, dict):
        raise RequestError(400, "image_config must be an object")
    aspect_ratio, image_size = _picture_settings(
        model, config.get("aspect_ratio"), config.get("image_size"), "image_size"
    )
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise RequestError(400, "max_tokens must be a positive integer")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise RequestError(400, "seed must be an integer")
    prompt = prompt_of(body)
    return GenerationRequest(
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
        seed=seed,
    )


# What the published ImageGenerationRequest schema allows for each enumerated field.
IMAGE_API_ENUMS: dict[str, tuple[str, ...]] = {
    "aspect_ratio": ("1:1", "1:2", "1:4", "1:8", "2:1", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1",
                     "9:16", "16:9", "9:19.5", "19.5:9", "9:20", "20:9", "9:21", "21:9", "auto"),
    "resolution": ("512", "1K", "2K", "4K"),
    "quality": ("auto", "low", "medium", "high"),
    "background": ("auto", "transparent", "opaque"),
    "output_format": ("png", "jpeg", "webp", "svg"),
}  # fmt: skip
# Fields a provider must list in its descriptors to take them (aspect_ratio is clamped instead).
_DESCRIBED_FIELDS = ("resolution", "quality", "background", "output_format", "output_compression", "seed")


def _image_api_fields(body: dict[str, Any], model: StandinModel) -> None:
    """Types and enums as the schema has them (OpenRouter's 400s); svg only from vectorization models."""
    for name, allowed in IMAGE_API_ENUMS.items():
        value = body.get(name)
        if value is not None and value not in allowed:
            raise RequestError(400, f"Unsupported {name} {value!r}. Supported values: {', '.join(allowed)}")
    if body.get("output_format") == "svg":
        raise RequestError(400, f"{model.id} cannot produce svg: it is not a vectorization model")
    for name in ("seed", "output_compression"):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RequestError(400, f"{name} must be an integer")
    if body.get("background") == "transparent" and body.get("output_format", "png") not in ("png", "webp"):
        raise RequestError(
            400, "background 'transparent' requires an output_format that supports alpha (png or webp)"
        )


def _unsupported(endpoint: StandinEndpoint, body: dict[str, Any], count: int) -> str | None:
    """The first field of `body` this provider does not take, as words; None if it takes them all."""
    for name in _DESCRIBED_FIELDS:
        value = body.get(name)
        if value is not None and (name not in endpoint.parameters or not endpoint.accepts(name, value)):
            return f"{name} {value!r}"
    if count > 1 and ("n" not in endpoint.parameters or not endpoint.accepts("n", count)):
        return (
            f"n={count} (it makes one image per request)" if "n" not in endpoint.parameters else f"n={count}"
        )
    if body.get("aspect_ratio") not in (None, "auto") and "aspect_ratio" not in endpoint.parameters:
        return f"aspect_ratio {body['aspect_ratio']!r}"
    return None


def _names(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _route_provider(model: StandinModel, body: dict[str, Any], count: int) -> StandinEndpoint:
    """The provider that serves the request: `provider.only`, `ignore` and `order` honoured, then the
    first that takes every field sent. A request no allowed provider can take is a 400 naming why."""
    preferences = body.get("provider") or {}
    if not isinstance(preferences, dict):
        raise RequestError(400, "provider must be an object")
    only, ignore, order = (_names(preferences.get(key)) for key in ("only", "ignore", "order"))
    candidates = [
        endpoint
        for endpoint in model.endpoints
        if (not only or {endpoint.provider_slug, endpoint.provider_name} & set(only))
        and not {endpoint.provider_slug, endpoint.provider_name} & set(ignore)
    ]
    if not candidates:
        raise RequestError(404, f"No allowed providers are available for {model.id}.")
    candidates.sort(key=lambda e: order.index(e.provider_slug) if e.provider_slug in order else len(order))
    reasons = []
    for endpoint in candidates:
        reason = _unsupported(endpoint, body, count)
        if reason is None:
            return endpoint
        reasons.append(f"{endpoint.provider_name} does not support {reason}")
    raise RequestError(400, f"No provider of {model.id} can take this request: {'; '.join(reasons)}.")


def _clamped_ratio(endpoint: StandinEndpoint, aspect_ratio: object) -> str | None:
    """The ratio drawn: the one asked for, or the nearest the provider supports (providers clamp)."""
    offered = endpoint.parameters.get("aspect_ratio", {}).get("values") or []
    if aspect_ratio in (None, "auto") or aspect_ratio in offered or not offered:
        return None if aspect_ratio == "auto" else aspect_ratio

    def shape(ratio: str) -> float:
        width, height = (float(part) for part in ratio.split(":"))
        return math.log(width / height)

    return min(offered, key=lambda ratio: abs(shape(ratio) - shape(str(aspect_ratio))))


def validate_images(body: Any) -> GenerationRequest:
    """Check an Image API request (POST /images) the way OpenRouter does, and pick its provider."""
    if not isinstance(body, dict):
        raise RequestError(400, "Invalid JSON body")
    model = _model_named(body.get("model"))
    if not model.endpoints:
        raise RequestError(404, f"No endpoints found for {model.id}.")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise RequestError(400, "Input required: specify 'prompt'")
    count = body.get("n", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
        raise RequestError(400, "n must be an integer from 1 to 10")
    references = body.get("input_references") or []
    if not isinstance(references, list) or len(references) > 16:
        raise RequestError(400, "input_references must be a list of at most 16 images")
    megapixels = Decimal(0)
    for part in references:
        if not isinstance(part, dict) or part.get("type") != "image_url":
            raise RequestError(400, "Invalid input_references")
        megapixels += _megapixels(_check_image_url(part))
    _check_image_input(model, len(references))
    _image_api_fields(body, model)
    provider = _route_provider(model, body, count)
    resolution = body.get("resolution")
    return GenerationRequest(
        api="images",
        model=model,
        prompt=prompt,
        markers=parse_markers(prompt),
        stream=body.get("stream") is True,
        outputs_image=True,
        aspect_ratio=_clamped_ratio(provider, body.get("aspect_ratio")),
        image_size=None if resolution == "512" else resolution,
        reference_images=len(references),
        max_tokens=None,
        image_count=count,
        output_format=body.get("output_format") or "png",
        provider=provider,
        seed=body.get("seed"),
        quality=body.get("quality"),
        background=body.get("background"),
        reference_megapixels=megapixels,
    )


# The endpoints that generate, each with the check for its requests.
GENERATION_ROUTES: dict[str, Callable[[Any], GenerationRequest]] = {
    "/chat/completions": validate_chat,
    "/images": validate_images,
}
