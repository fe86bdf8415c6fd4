"""What every wire format's reader shares: strict field access, usage, errors, and the one image check.

`ResponseReader` accumulates a response (streamed events, or one whole body) into a
`GenerationResult`. Subclasses say what their events mean (`apply`) and when a stream is complete;
images always go through `ImageCollector`, so the chat and Image API paths keep exactly the same
images and refuse the rest with the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from core.image_formats import FORMATS_BY_MIME
from openrouter.errors import (
    ImageRejected,
    OpenRouterError,
    TruncatedStream,
    code_to_status,
    error_for_status,
)
from openrouter.imagecheck import Derive, check_data_url, decode_data_url
from openrouter.sse import protocol_error
from openrouter.types import (
    BytesLike,
    Event,
    GeneratedImage,
    GenerationResult,
    ImageReceived,
    Usage,
    UsageReceived,
)


def optional_field[T](mapping: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    """mapping[key] if present and not null; StreamProtocolError if it has another type."""
    value = mapping.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise protocol_error(f"“{key}” has the wrong type")
    return value


def _count(mapping: Mapping[str, Any], key: str) -> int:
    value = mapping.get(key)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (Decimal, float)) and value == value and float(value).is_integer():
        return int(value)
    raise protocol_error(f"“{key}” is not a whole number")


def _money(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise protocol_error("a cost is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise protocol_error("a cost is not a number") from None
    if not amount.is_finite():
        raise protocol_error("a cost is not a finite number")
    return amount


def parse_usage(raw: Mapping[str, Any]) -> Usage:
    """`usage` as both APIs send it: token counts, `completion_tokens_details`, `cost` in USD."""
    details = optional_field(raw, "completion_tokens_details", dict) or {}
    return Usage(
        prompt_tokens=_count(raw, "prompt_tokens"),
        completion_tokens=_count(raw, "completion_tokens"),
        total_tokens=_count(raw, "total_tokens"),
        image_tokens=_count(details, "image_tokens"),
        reasoning_tokens=_count(details, "reasoning_tokens"),
        cost_usd=_money(raw.get("cost")),
    )


class ImageCollector:
    """The images of one response, each through Easel's image check, numbered in arrival order.

    A refused image keeps its number (so indexes match what the model sent) and its reason.
    """

    def __init__(
        self, *, max_image_bytes: int, max_pixels: int, verify_images: bool, derive: Derive | None = None
    ) -> None:
        self._max_image_bytes = max_image_bytes
        self._max_pixels = max_pixels
        self._verify_images = verify_images
        self._derive = derive
        self.images: list[GeneratedImage] = []
        self.rejected: list[str] = []

    def add(self, data_url: str | BytesLike, events: list[Event], *, seed: int | None = None) -> None:
        """Check one `data:` URL (or bytes of one); keep the image, or record why it was refused."""
        index = len(self.images) + len(self.rejected)
        try:
            if self._verify_images:
                checked = check_data_url(
                    data_url,
                    max_bytes=self._max_image_bytes,
                    max_pixels=self._max_pixels,
                    derive=self._derive,
                )
                mime, data = checked.mime_type, checked.data
                width, height, fmt = checked.width, checked.height, checked.format
                derived = checked.derived
            else:
                mime, data = decode_data_url(data_url, max_bytes=self._max_image_bytes)
                width, height, fmt, derived = 0, 0, FORMATS_BY_MIME[mime], None
        except ImageRejected as rejected:
            self.rejected.append(rejected.reason)
            return
        self.images.append(
            GeneratedImage(
                data=data,
                mime_type=mime,
                index=index,
                width=width,
                height=height,
                format=fmt,
                seed=seed,
                derived=derived,
            )
        )
        events.append(ImageReceived(index=index, mime_type=mime, size_bytes=len(data)))

    def reject(self, reason: str) -> None:
        self.rejected.append(reason)


class ResponseReader:
    """Base of the per-API readers (see sse.EventReader): the state both build a result from."""

    BLOB_START: ClassVar[re.Pattern[bytes]]

    def __init__(
        self, *, max_image_bytes: int, max_pixels: int, verify_images: bool, derive: Derive | None = None
    ) -> None:
        self.generation_id: str | None = None
        self.model: str | None = None
        self.provider: str | None = None
        self.finish_reason: str | None = None
        self.native_finish_reason: str | None = None
        self.usage: Usage | None = None
        self.error: OpenRouterError | None = None
        # True once the model produced anything (text, reasoning, an image): from then on a
        # failure may have been billed, so it is never retried automatically.
        self.content_started = False
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._images = ImageCollector(
            max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=verify_images, derive=derive
        )

    # What subclasses decide.

    def apply(self, event: object, events: list[Event], blobs: Mapping[str, BytesLike] | None = None) -> None:
        raise NotImplementedError

    def drop_oversized(self, head: bytes, reason: str) -> bool:
        raise NotImplementedError

    def _ended_properly(self, saw_done: bool) -> bool:
        """Whether a stream carried its proper end (not merely stopped)."""
        raise NotImplementedError

    def _raise_for_failed_finish(self) -> None:
        """Raise if the response finished as a failure without an error object."""

    def _error_may_be_charged(self) -> bool:
        """Whether an error event can come after OpenRouter charged for the request."""
        return self.content_started

    # Shared.

    def _add_image(self, data_url: str | BytesLike, events: list[Event], *, seed: int | None = None) -> None:
        self.content_started = True
        self._images.add(data_url, events, seed=seed)

    def _reject_image(self, reason: str) -> None:
        self.content_started = True
        self._images.reject(reason)

    def _take_usage(self, raw: Mapping[str, Any], events: list[Event]) -> None:
        self.usage = parse_usage(raw)
        events.append(UsageReceived(usage=self.usage))

    def _fail(self, error: Mapping[str, Any]) -> None:
        """Record the typed error for an error object (`{"code", "message", "metadata"?, "type"?}`)."""
        if self.error is not None:
            return
        metadata = error.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        message = error.get("message")
        # Chat errors name their kind in metadata.error_type; the Image API's stream errors in `type`.
        error_type = metadata.get("error_type", error.get("type"))
        self.error = error_for_status(
            code_to_status(error.get("code"), error_type),
            upstream_message=message if isinstance(message, str) else None,
            metadata=metadata,
            model=self.model,
            midstream=True,
            charged_possibly=self._error_may_be_charged(),
        )

    def build(self, *, require_complete: bool, saw_done: bool) -> GenerationResult:
        if self.error is not None:
            raise self.error
        self._raise_for_failed_finish()
        if require_complete and not self._ended_properly(saw_done):
            raise TruncatedStream(
                "The connection to OpenRouter ended before the generation finished, so nothing was kept. "
                "The model may already have run and been charged; try again.",
                charged_possibly=True,
            )
        return GenerationResult(
            generation_id=self.generation_id,
            model=self.model,
            provider=self.provider,
            finish_reason=self.finish_reason,
            native_finish_reason=self.native_finish_reason,
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            images=tuple(self._images.images),
            usage=self.usage,
            rejected_images=tuple(self._images.rejected),
        )
