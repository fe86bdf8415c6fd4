"""Checks a generation request the way OpenRouter does, for chat completions and the Image API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.aspect_ratios import ASPECT_RATIO_PIXELS, IMAGE_SIZE_FACTORS
from openrouter.standin.faults import Markers, parse_markers
from openrouter.standin.models import MODELS_BY_ID, StandinModel
from openrouter.standin.rendering import OUTPUT_FORMATS


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


def _model_named(model_id: object) -> StandinModel:
    if not isinstance(model_id, str) or not model_id:
        raise RequestError(400, "No model provided")
    model = MODELS_BY_ID.get(model_id)
    if model is None:
        raise RequestError(404, f"No endpoints found for {model_id}.")
    return model


def _check_image_url(part: object) -> None:
    """An input image as both APIs take it: {"type": "image_url", "image_url": {"url": ...}}."""
    image_url = part.get("image_url") if isinstance(part, dict) else None
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url.startswith(("data:image/", "https://", "http://")):
        raise RequestError(400, "Invalid image_url")


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
    )


# The Image API's `resolution` values; "512" is honoured by no stand-in model, so it renders 1K.
_RESOLUTIONS = ("512", "1K", "2K", "4K")


def validate_images(body: Any) -> GenerationRequest:
    """Check an Image API request (POST /images) the way OpenRouter does."""
    if not isinstance(body, dict):
        raise RequestError(400, "Invalid JSON body")
    model = _model_named(body.get("model"))
    if not model.outputs_image:
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
    for part in references:
        if not isinstance(part, dict) or part.get("type") != "image_url":
            raise RequestError(400, "Invalid input_references")
        _check_image_url(part)
    _check_image_input(model, len(references))
    resolution = body.get("resolution")
    if resolution is not None and resolution not in _RESOLUTIONS:
        raise RequestError(
            400, f"Unsupported resolution {resolution!r}. Supported values: {', '.join(_RESOLUTIONS)}"
        )
    aspect_ratio, image_size = _picture_settings(
        model, body.get("aspect_ratio"), None if resolution == "512" else resolution, "resolution"
    )
    output_format = body.get("output_format", "png")
    if output_format == "svg":
        raise RequestError(400, f"{model.id} cannot produce svg: it is not a vectorization model")
    if output_format not in OUTPUT_FORMATS:
        raise RequestError(400, f"Unsupported output_format {output_format!r}")
    return GenerationRequest(
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
        image_count=count,
        output_format=output_format,
    )


# The endpoints that generate, each with the check for its requests.
GENERATION_ROUTES: dict[str, Callable[[Any], GenerationRequest]] = {
    "/chat/completions": validate_chat,
    "/images": validate_images,
}
