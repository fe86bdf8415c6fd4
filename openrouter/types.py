"""Plain values that cross the OpenRouter boundary: requests, results, events, model and key info."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openrouter.capabilities import Capabilities, PricingLine

# OpenRouter accepts these for image input (image-understanding docs).
REFERENCE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})

# Limits for images a model returns (decoded size, and pixels read from the header).
DEFAULT_MAX_IMAGE_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

type BytesLike = bytes | bytearray | memoryview

# Image models spend 1-6k completion tokens per image (Gemini 1290, GPT-5 Image up to ~6.4k).
# OpenRouter checks affordability against max_tokens, so it is always sent, and not huge.
DEFAULT_MAX_TOKENS = 8192


@dataclass(frozen=True, kw_only=True, slots=True)
class ReferenceImage:
    data: bytes = field(repr=False)
    mime_type: str

    def __post_init__(self) -> None:
        if self.mime_type not in REFERENCE_IMAGE_TYPES:
            raise ValueError(f"reference image type {self.mime_type!r} is not one OpenRouter accepts")
        if not self.data:
            raise ValueError("reference image is empty")


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageRequest:
    model: str
    prompt: str
    # The model's output modalities as listed by /models: decides what `modalities` to send.
    output_modalities: tuple[str, ...]
    aspect_ratio: str | None = None
    # The size tier ("1K", "2K", "4K"; "0.5K" or "512"): chat's `image_size`, the Image API's `resolution`.
    image_size: str | None = None
    reference_images: tuple[ReferenceImage, ...] = ()
    max_tokens: int = DEFAULT_MAX_TOKENS
    # Images from this one request (the Image API's `n`); chat completions make one.
    n: int = 1
    seed: int | None = None
    # The Image API's knobs; None leaves each to the model.
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    # Pin the providers that may serve it (`provider.only`, no fallbacks): to run a recipe again exactly.
    provider_only: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.model:
            raise ValueError("model is required")
        if not self.prompt.strip():
            raise ValueError("prompt is empty")
        if "image" not in self.output_modalities:
            raise ValueError(f"{self.model} does not output images")
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be positive")
        if not 1 <= self.n <= 10:
            raise ValueError("n must be from 1 to 10")
        if self.output_format == "svg":
            raise ValueError("Easel never asks for SVG: it refuses to keep it")


@dataclass(frozen=True, kw_only=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    image_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: Decimal | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class GeneratedImage:
    """One image as the model sent it: the original bytes, unchanged, plus what the check measured."""

    data: bytes = field(repr=False)
    mime_type: str
    index: int
    width: int
    height: int
    format: str
    # The seed the provider says it drew this image with, when it says (the Image API may echo it).
    seed: int | None = None
    # What the client's `derive` made of the checked image's decoded pixels (Easel: its thumbnail).
    derived: Any = field(default=None, repr=False, compare=False)

    @property
    def size_bytes(self) -> int:
        return len(self.data)


@dataclass(frozen=True, kw_only=True, slots=True)
class GenerationResult:
    generation_id: str | None
    model: str | None
    provider: str | None
    finish_reason: str | None
    native_finish_reason: str | None
    text: str
    reasoning: str
    images: tuple[GeneratedImage, ...]
    usage: Usage | None
    # One plain-language reason per image the check refused.
    rejected_images: tuple[str, ...] = ()


# Events, delivered to `on_event` as they happen: one small dataclass each, a repeated shape by design.


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestSending:
    """Emitted just before a request goes out: from here on it may have been received (and billed)."""

    attempt: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Started:
    generation_id: str | None
    attempt: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ContentDelta:
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class BytesReceived:
    """Bytes of the response body received so far in this attempt (once per network chunk)."""

    total_bytes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageReceived:
    index: int
    mime_type: str
    size_bytes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PreviewReceived:
    """A partial image a streaming provider sent while it draws: progress only, never kept as the result.

    `data` are the bytes as sent (`mime_type` is what they look like, "" if unknown); nothing has checked
    them, so whoever decodes them must cap the pixels."""

    index: int
    data: bytes = field(repr=False)
    mime_type: str


@dataclass(frozen=True, kw_only=True, slots=True)
class UsageReceived:
    usage: Usage


@dataclass(frozen=True, kw_only=True, slots=True)
class Finished:
    finish_reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Retrying:
    """A retry is about to happen: `attempt` is the number of the attempt that will follow the wait."""

    attempt: int
    delay_seconds: float
    reason: str


type Event = (
    RequestSending
    | Started
    | ReasoningDelta
    | ContentDelta
    | BytesReceived
    | ImageReceived
    | PreviewReceived
    | UsageReceived
    | Finished
    | Retrying
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelPricing:
    """USD per unit as OpenRouter lists it: per token, except `request` and `image` (per input image)."""

    prompt: Decimal | None
    completion: Decimal | None
    image_output: Decimal | None
    request: Decimal | None
    image: Decimal | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelInfo:
    id: str
    name: str
    description: str
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    pricing: ModelPricing
    context_length: int | None
    # Request parameters the model's chat endpoints accept (e.g. "seed").
    supported_parameters: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageModelListing:
    """A model of the Image API's list (GET /images/models): its descriptors are the union over providers."""

    id: str
    name: str
    description: str
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    parameters: Capabilities
    supports_streaming: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageEndpoint:
    """One provider serving an Image API model: the parameters it definitively accepts, and its prices."""

    provider_name: str
    provider_slug: str
    provider_tag: str | None
    parameters: Capabilities
    supports_streaming: bool
    pricing: tuple[PricingLine, ...]
    passthrough_parameters: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class GenerationInfo:
    """What OpenRouter recorded about one generation (GET /generation)."""

    id: str
    model: str | None
    provider_name: str | None
    total_cost: Decimal | None


@dataclass(frozen=True, kw_only=True, slots=True)
class KeyInfo:
    label: str
    limit: Decimal | None
    limit_remaining: Decimal | None
    limit_reset: str | None
    usage: Decimal
    usage_daily: Decimal
    usage_weekly: Decimal
    usage_monthly: Decimal
    is_free_tier: bool
