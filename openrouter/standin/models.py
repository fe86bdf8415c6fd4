"""The stand-in's model catalogue: in OpenRouter's /models shape (chat completions), and for the models
the Image API serves, per provider in its /images/models shapes (descriptors, streaming, pricing lines).
Prices are realistic, not authoritative."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.aspect_ratios import STANDARD_ASPECT_RATIOS
from openrouter.capabilities import capabilities_json, merge_capabilities, parse_capabilities

_RATIOS: dict[str, Any] = {"type": "enum", "values": list(STANDARD_ASPECT_RATIOS)}


@dataclass(frozen=True, kw_only=True)
class StandinEndpoint:
    """One provider of an Image API model: what it accepts (wire descriptors) and its pricing lines."""

    provider_name: str
    provider_slug: str
    parameters: dict[str, dict[str, Any]]
    pricing: tuple[dict[str, Any], ...]
    supports_streaming: bool = False

    def accepts(self, name: str, value: object) -> bool:
        capability = parse_capabilities({name: self.parameters[name]}, source="stand-in").get(name)
        return capability is not None and capability.accepts(value)

    def to_api(self) -> dict[str, Any]:
        """The endpoint in the ImageEndpoint shape."""
        return {
            "provider_name": self.provider_name,
            "provider_slug": self.provider_slug,
            "provider_tag": self.provider_slug,
            "supported_parameters": self.parameters,
            "allowed_passthrough_parameters": [],
            "supports_streaming": self.supports_streaming,
            "pricing": [dict(line) for line in self.pricing],
        }


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
    # The providers serving it on the Image API; none: only chat completions serve it.
    endpoints: tuple[StandinEndpoint, ...] = ()

    @property
    def outputs_image(self) -> bool:
        return "image" in self.output_modalities

    @property
    def outputs_text(self) -> bool:
        return "text" in self.output_modalities

    def endpoint(self, provider_slug: str) -> StandinEndpoint | None:
        return next((e for e in self.endpoints if e.provider_slug == provider_slug), None)

    def to_images_api(self) -> dict[str, Any]:
        """The model in the ImageModelListItem shape: descriptors are the union over its providers."""
        merged = merge_capabilities(
            *(parse_capabilities(endpoint.parameters, source="stand-in") for endpoint in self.endpoints)
        )
        return {
            "id": self.id,
            "name": self.name.split(": ", 1)[-1],
            "description": self.description,
            "created": self.created,
            "architecture": {
                "input_modalities": list(self.input_modalities),
                "output_modalities": ["image"],
            },
            "supported_parameters": capabilities_json(merged),
            "supports_streaming": any(endpoint.supports_streaming for endpoint in self.endpoints),
            "endpoints": f"/api/v1/images/models/{self.id}/endpoints",
        }

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


# The catalogue: one entry per model, data in a repeated shape (a deliberate exception to "no six lines alike").
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
        endpoints=(
            StandinEndpoint(
                provider_name="Google AI Studio",
                provider_slug="google-ai-studio",
                parameters={"aspect_ratio": _RATIOS, "seed": {"type": "boolean"}},
                pricing=(
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.0387},
                    {"billable": "input_reference", "unit": "image", "cost_usd": 0.0000774},
                ),
            ),
        ),
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
        # Two providers that differ: only AI Studio draws 4K.
        endpoints=(
            StandinEndpoint(
                provider_name="Google AI Studio",
                provider_slug="google-ai-studio",
                parameters={
                    "aspect_ratio": _RATIOS,
                    "resolution": {"type": "enum", "values": ["1K", "2K", "4K"]},
                    "seed": {"type": "boolean"},
                },
                pricing=(
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.134, "variant": "1K"},
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.134, "variant": "2K"},
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.24, "variant": "4K"},
                    {"billable": "input_reference", "unit": "image", "cost_usd": 0.0005},
                ),
            ),
            StandinEndpoint(
                provider_name="Google Vertex",
                provider_slug="google-vertex",
                parameters={
                    "aspect_ratio": _RATIOS,
                    "resolution": {"type": "enum", "values": ["1K", "2K"]},
                    "seed": {"type": "boolean"},
                },
                pricing=(
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.134, "variant": "1K"},
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.134, "variant": "2K"},
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.24, "variant": "4K"},
                    {"billable": "input_reference", "unit": "image", "cost_usd": 0.0005},
                ),
            ),
        ),
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
        endpoints=(
            StandinEndpoint(
                provider_name="Black Forest Labs",
                provider_slug="black-forest-labs",
                parameters={
                    "aspect_ratio": _RATIOS,
                    "resolution": {"type": "enum", "values": ["1K", "2K"]},
                    "seed": {"type": "range", "min": 0, "max": 4294967295},
                    "output_format": {"type": "enum", "values": ["png", "jpeg"]},
                },
                pricing=(
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.03, "variant": "1K"},
                    {"billable": "output_image", "unit": "image", "cost_usd": 0.12, "variant": "2K"},
                    {"billable": "input_reference", "unit": "megapixel", "cost_usd": 0.015},
                ),
            ),
        ),
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
        # Only a few ratios, and nothing else to choose: priced per output megapixel.
        endpoints=(
            StandinEndpoint(
                provider_name="Black Forest Labs",
                provider_slug="black-forest-labs",
                parameters={
                    "aspect_ratio": {"type": "enum", "values": ["1:1", "3:4", "4:3", "9:16", "16:9"]}
                },
                pricing=({"billable": "output_image", "unit": "megapixel", "cost_usd": 0.014},),
            ),
        ),
    ),
    StandinModel(
        id="openai/gpt-image-1",
        name="OpenAI: GPT Image 1",
        description="GPT Image 1: OpenAI's image model, with quality levels, transparent backgrounds and previews.",
        created=1745971200,
        context_length=32000,
        input_modalities=("text", "image"),
        output_modalities=("image",),
        pricing={
            "prompt": "0.000005",
            "completion": "0",
            "request": "0",
            "image": "0.00001",
            "image_output": "0.00004",
        },
        provider="OpenAI",
        tokenizer="GPT",
        image_tokens={"1K": 1056},
        native_finish_reason="completed",
        # Streams previews; up to four images a request; billed per token, so priced at completion.
        endpoints=(
            StandinEndpoint(
                provider_name="OpenAI",
                provider_slug="openai",
                parameters={
                    "aspect_ratio": {"type": "enum", "values": ["1:1", "2:3", "3:2"]},
                    "quality": {"type": "enum", "values": ["auto", "low", "medium", "high"]},
                    "background": {"type": "enum", "values": ["auto", "transparent", "opaque"]},
                    "output_format": {"type": "enum", "values": ["png", "jpeg", "webp"]},
                    "output_compression": {"type": "range", "min": 0, "max": 100},
                    "n": {"type": "range", "min": 1, "max": 4},
                },
                pricing=(
                    {"billable": "input_text", "unit": "token", "cost_usd": 0.000005},
                    {"billable": "input_image", "unit": "token", "cost_usd": 0.00001},
                    {"billable": "output_image", "unit": "token", "cost_usd": 0.00004},
                ),
                supports_streaming=True,
            ),
        ),
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
IMAGES_API_MODELS = [model for model in MODELS if model.endpoints]


def models_for(output_modalities: str | None) -> list[StandinModel]:
    """Filter like OpenRouter's `output_modalities` query: default `text`; `all`; comma lists."""
    wanted = {part.strip() for part in (output_modalities or "text").lower().split(",") if part.strip()}
    if "all" in wanted:
        return list(MODELS)
    return [model for model in MODELS if wanted & set(model.output_modalities)]
