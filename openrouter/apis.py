"""The wire formats Easel can generate images through: which endpoint, what body, how to read the answer.

`OpenRouterClient` does everything the formats share (headers, timeouts and deadlines, retries that
never pay twice, typed errors, key redaction, the image check); a `WireApi` knows only its own format.
Both read into the same events and `GenerationResult`, so callers never see which one ran.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from openrouter.imagecheck import Derive
from openrouter.images import ImageStreamDecoder, parse_images_response
from openrouter.sse import SseDecoder
from openrouter.stream import StreamDecoder, parse_completion
from openrouter.types import GenerationResult, ImageRequest, ReferenceImage

type ApiName = Literal["chat", "images"]
API_NAMES: tuple[ApiName, ...] = ("chat", "images")


class WireApi(Protocol):
    """One of OpenRouter's ways to generate an image."""

    name: ClassVar[str]
    # The endpoint, relative to the base URL.
    path: ClassVar[str]

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        """The JSON body to POST for `request`."""
        ...

    def stream_decoder(
        self, *, generation_id: str | None, max_image_bytes: int, max_pixels: int, derive: Derive | None
    ) -> SseDecoder:
        """A decoder for a streamed (text/event-stream) answer; `generation_id` is the header's, if any."""
        ...

    def parse_body(
        self,
        body: object,
        *,
        generation_id: str | None,
        max_image_bytes: int,
        max_pixels: int,
        derive: Derive | None,
    ) -> GenerationResult:
        """Read a buffered (JSON) answer; raises the typed error for an error envelope."""
        ...


def _image_part(image: ReferenceImage) -> dict[str, Any]:
    """A reference image as both APIs take it: an `image_url` part holding a base64 data URL."""
    url = f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode('ascii')}"
    return {"type": "image_url", "image_url": {"url": url}}


def build_chat_payload(request: ImageRequest, *, stream: bool = True) -> dict[str, Any]:
    """The JSON body of POST /chat/completions for an image request, exactly as documented."""
    content: str | list[dict[str, Any]]
    if request.reference_images:
        content = [{"type": "text", "text": request.prompt}]
        content += [_image_part(image) for image in request.reference_images]
    else:
        content = request.prompt
    payload: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": "user", "content": content}],
        # Asking an image-only model for text gets a 404 ("No endpoints found that support...").
        "modalities": ["image", "text"] if "text" in request.output_modalities else ["image"],
        "max_tokens": request.max_tokens,
        "stream": stream,
    }
    image_config = {}
    if request.aspect_ratio:
        image_config["aspect_ratio"] = request.aspect_ratio
    if request.image_size:
        image_config["image_size"] = _CHAT_SIZES.get(request.image_size, request.image_size)
    if image_config:
        payload["image_config"] = image_config
    if request.seed is not None:
        payload["seed"] = request.seed
    if request.provider_only:
        payload["provider"] = _pinned(request.provider_only)
    return payload


# The size tier as each API spells it: chat's `image_size` says "0.5K" where the Image API says "512".
_RESOLUTIONS = {"0.5K": "512"}
_CHAT_SIZES = {"512": "0.5K"}


def _pinned(providers: tuple[str, ...]) -> dict[str, Any]:
    """Only these providers, and no fallback to others: what ran before runs again."""
    return {"only": list(providers), "allow_fallbacks": False}


def build_images_payload(request: ImageRequest, *, stream: bool = True) -> dict[str, Any]:
    """The JSON body of POST /images for an image request (`max_tokens` and modalities do not apply).

    Only what the request sets is sent: a parameter the model does not describe is unsupported, and
    the caller (Easel's form, checked against the model's descriptors) leaves it out.
    """
    payload: dict[str, Any] = {
        "model": request.model,
        "prompt": request.prompt,
        "n": request.n,
        "stream": stream,
    }
    optional = {
        "aspect_ratio": request.aspect_ratio,
        "resolution": _RESOLUTIONS.get(request.image_size or "", request.image_size),
        "seed": request.seed,
        "quality": request.quality,
        "background": request.background,
        "output_format": request.output_format,
    }
    payload |= {name: value for name, value in optional.items() if value is not None and value != ""}
    if request.reference_images:
        payload["input_references"] = [_image_part(image) for image in request.reference_images]
    if request.provider_only:
        payload["provider"] = _pinned(request.provider_only)
    return payload


@dataclass(frozen=True, slots=True)
class ChatCompletionsApi:
    """`POST /chat/completions` with `modalities`, always streamed (images in `delta.images`)."""

    name: ClassVar[str] = "chat"
    path: ClassVar[str] = "chat/completions"

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        return build_chat_payload(request, stream=True)

    def stream_decoder(
        self, *, generation_id: str | None, max_image_bytes: int, max_pixels: int, derive: Derive | None
    ) -> SseDecoder:
        # Every chunk names the generation, so the header's id is not needed.
        return StreamDecoder(max_image_bytes=max_image_bytes, max_pixels=max_pixels, derive=derive)

    def parse_body(
        self,
        body: object,
        *,
        generation_id: str | None,
        max_image_bytes: int,
        max_pixels: int,
        derive: Derive | None,
    ) -> GenerationResult:
        return parse_completion(body, max_image_bytes=max_image_bytes, max_pixels=max_pixels, derive=derive)


@dataclass(frozen=True, slots=True)
class ImagesApi:
    """`POST /images`, OpenRouter's dedicated Image API.

    `stream=True` (the default) asks for SSE: providers with native streaming then send keep-alives
    and previews while they work; the others ignore it and answer with the buffered form.
    """

    stream: bool = True

    name: ClassVar[str] = "images"
    path: ClassVar[str] = "images"

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        return build_images_payload(request, stream=self.stream)

    def stream_decoder(
        self, *, generation_id: str | None, max_image_bytes: int, max_pixels: int, derive: Derive | None
    ) -> SseDecoder:
        return ImageStreamDecoder(
            generation_id=generation_id, max_image_bytes=max_image_bytes, max_pixels=max_pixels, derive=derive
        )

    def parse_body(
        self,
        body: object,
        *,
        generation_id: str | None,
        max_image_bytes: int,
        max_pixels: int,
        derive: Derive | None,
    ) -> GenerationResult:
        return parse_images_response(
            body,
            generation_id=generation_id,
            max_image_bytes=max_image_bytes,
            max_pixels=max_pixels,
            derive=derive,
        )


def wire_api(api: ApiName | WireApi) -> WireApi:
    """The WireApi for a setting's name ("chat" or "images"), or `api` itself if it already is one."""
    if isinstance(api, str):
        if api == "chat":
            return ChatCompletionsApi()
        if api == "images":
            return ImagesApi()
        raise ValueError(f"unknown OpenRouter API {api!r}: use one of {', '.join(API_NAMES)}")
    return api
