"""Answers of OpenRouter's dedicated Image API (`POST /images`), streamed or not.

Buffered: `{"created", "data": [{"b64_json", "media_type"?}], "usage"?}`. Streamed (only providers
with native streaming; the others answer a streamed request with the buffered form) as SSE events,
each a JSON object with a `type`: `image_generation.partial_image` (a preview), `...text_chunk`
(SVG markup as it is written), `...completed` (the image, with `usage`), `error`; then `[DONE]`.

Each `b64_json` is labelled with its `media_type` as a `data:` URL and goes through the same image
check as a chat image, so both APIs keep and refuse exactly the same bytes. Previews are progress
only: never kept, since the completed image supersedes them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from core import image_formats
from openrouter.imagecheck import Derive
from openrouter.reader import ResponseReader, optional_field
from openrouter.sse import SseDecoder, protocol_error
from openrouter.types import (
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_MAX_PIXELS,
    BytesLike,
    Event,
    Finished,
    GenerationResult,
    PreviewReceived,
)

_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")


def _leading_bytes(b64: str | BytesLike) -> bytes:
    head = b64[:16]  # 12 bytes: enough for every signature
    raw = head.encode("ascii", "replace") if isinstance(head, str) else bytes(head)
    try:
        return binascii.a2b_base64(raw)
    except binascii.Error:
        return b""


def _sniffed_media_type(b64: str | BytesLike) -> str:
    """Labels an image that came without a `media_type` (the API omits it when it could not tell); the
    image check still proves the whole file is of that type."""
    return image_formats.sniff_mime_type(_leading_bytes(b64))


def as_data_url(b64: str | BytesLike, media_type: str | None) -> str | bytes:
    """`data:<media type>;base64,<b64>`: the form Easel's image check reads (untyped if unknowable)."""
    declared = (media_type or "").split(";")[0].strip().lower()
    mime = declared if _MEDIA_TYPE.fullmatch(declared) else _sniffed_media_type(b64)
    if isinstance(b64, str):
        return f"data:{mime};base64,{b64}"
    return b"data:" + mime.encode("ascii") + b";base64," + b64


class ImagesReader(ResponseReader):
    """Accumulates Image API events (or the one buffered answer) into a GenerationResult.

    The API names no generation, model or provider in its body: the id comes from the
    `X-Generation-Id` header, and `model`/`provider` stay unknown (None).
    """

    # Images are the plain base64 strings of `b64_json`.
    BLOB_START = re.compile(rb'"b64_json"\s*:\s*(")')

    def __init__(
        self,
        *,
        generation_id: str | None,
        max_image_bytes: int,
        max_pixels: int,
        verify_images: bool = True,
        derive: Derive | None = None,
    ) -> None:
        super().__init__(
            max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=verify_images, derive=derive
        )
        self.generation_id = generation_id
        self._completed = False

    def apply(self, event: object, events: list[Event], blobs: Mapping[str, BytesLike] | None = None) -> None:
        if not isinstance(event, dict):
            raise protocol_error("an event is not a JSON object")
        match optional_field(event, "type", str):
            case None:
                self._apply_answer(event, events, blobs)
            case "image_generation.partial_image":
                # Output is being produced: a failure from here on is reported, not retried.
                self.content_started = True
                self._apply_preview(event, events, blobs)
            case "image_generation.text_chunk":
                self.content_started = True
            case "image_generation.completed":
                self._apply_image(event, events, blobs)
                self._complete(event, events)
            case "error":
                error = optional_field(event, "error", dict)
                if error is None:
                    raise protocol_error("an error event has no “error” object")
                self._fail(error)
            case _:
                pass  # a newer kind of event: nothing Easel keeps

    def _apply_answer(self, body: dict, events: list[Event], blobs: Mapping[str, BytesLike] | None) -> None:
        """The buffered answer `{"data": [...], "usage"}`, or an error envelope `{"error": {...}}`."""
        error = optional_field(body, "error", dict)
        if error is not None:
            self._fail(error)
            return
        data = optional_field(body, "data", list)
        if data is None:
            raise protocol_error("the answer has no “data” list")
        for item in data:
            self._apply_image(item, events, blobs)
        self._complete(body, events)

    def _apply_image(self, item: object, events: list[Event], blobs: Mapping[str, BytesLike] | None) -> None:
        if not isinstance(item, dict):
            raise protocol_error("an image entry is not an object")
        b64 = optional_field(item, "b64_json", str)
        if b64 is None:
            raise protocol_error("an image entry has no “b64_json”")
        source = blobs.get(b64, b64) if blobs else b64
        seed = optional_field(item, "seed", int)
        self._add_image(as_data_url(source, optional_field(item, "media_type", str)), events, seed=seed)

    def _apply_preview(self, event: dict, events: list[Event], blobs: Mapping[str, BytesLike] | None) -> None:
        b64 = optional_field(event, "b64_json", str)
        if b64 is None:
            return  # a preview without its picture shows nothing
        source = blobs.get(b64, b64) if blobs else b64
        try:
            data = base64.b64decode(source, validate=True)
        except (binascii.Error, ValueError):
            return  # a broken preview is only a missed glimpse: the image itself is still checked
        index = optional_field(event, "partial_image_index", int) or 0
        events.append(PreviewReceived(index=index, data=data, mime_type=image_formats.sniff_mime_type(data)))

    def _complete(self, event: Mapping[str, object], events: list[Event]) -> None:
        # Easel asks for one image (n=1), so the first completion is the finish.
        if not self._completed:
            self._completed = True
            self.finish_reason = "stop"
            events.append(Finished(finish_reason="stop"))
        usage = optional_field(event, "usage", dict)
        if usage is not None:
            self._take_usage(usage, events)

    def drop_oversized(self, head: bytes, reason: str) -> bool:
        if b"image_generation.partial_image" in head:
            self.content_started = True
            return True  # a preview: nothing is lost
        if b'"b64_json"' in head:
            self._reject_image(reason)
            return True
        return False

    def _error_may_be_charged(self) -> bool:
        # Image API billing is all-or-nothing: a generation that fails is not charged.
        return False

    def _ended_properly(self, saw_done: bool) -> bool:
        # [DONE], or a completion carrying usage (the last thing before [DONE]).
        return saw_done or (self._completed and self.usage is not None)


def parse_images_response(
    body: object,
    *,
    generation_id: str | None = None,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    derive: Derive | None = None,
) -> GenerationResult:
    """Parse a buffered Image API answer into a GenerationResult; raises the typed error for an envelope."""
    reader = ImagesReader(
        generation_id=generation_id, max_image_bytes=max_image_bytes, max_pixels=max_pixels, derive=derive
    )
    reader.apply(body, [])
    return reader.build(require_complete=False, saw_done=True)


class ImageStreamDecoder(SseDecoder):
    """Incremental parser for the Image API's SSE stream (see SseDecoder)."""

    def __init__(
        self,
        *,
        generation_id: str | None = None,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        verify_images: bool = True,
        derive: Derive | None = None,
    ) -> None:
        reader = ImagesReader(
            generation_id=generation_id,
            max_image_bytes=max_image_bytes,
            max_pixels=max_pixels,
            verify_images=verify_images,
            derive=derive,
        )
        super().__init__(reader, max_image_bytes=max_image_bytes)
