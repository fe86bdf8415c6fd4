"""OpenRouter chat-completion responses, streamed (SSE) or not, turned into events and a result.

`ChatReader` knows what chat-completion chunks mean (`choices[].delta` / `.message` with text,
reasoning and `images`, a repeated finish, `usage`, error chunks). `StreamDecoder` is the SSE
decoder (see sse.py) with that reader; `parse_completion` reads a whole non-streaming answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from openrouter.errors import ProviderError
from openrouter.imagecheck import Derive
from openrouter.reader import ResponseReader, optional_field
from openrouter.sse import SseDecoder, protocol_error
from openrouter.types import (
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_MAX_PIXELS,
    BytesLike,
    ContentDelta,
    Event,
    Finished,
    GenerationResult,
    ReasoningDelta,
)


def _text_of(content: object) -> str:
    """`content` is a string, or (some providers) a list of {"type":"text","text":...} parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict):
                raise protocol_error("a content part is not an object")
            text = optional_field(part, "text", str)
            if text:
                texts.append(text)
        return "".join(texts)
    raise protocol_error("“content” has the wrong type")


class ChatReader(ResponseReader):
    """Accumulates chat-completion chunks (streamed deltas or one whole message) into a GenerationResult."""

    # Images are `data:` URL strings (in `images[].image_url.url`).
    BLOB_START = re.compile(rb'(")data:')

    def apply(self, event: object, events: list[Event], blobs: Mapping[str, BytesLike] | None = None) -> None:
        if not isinstance(event, dict):
            raise protocol_error("an event is not a JSON object")
        generation_id = optional_field(event, "id", str)
        if generation_id and self.generation_id is None:
            self.generation_id = generation_id
        self.model = optional_field(event, "model", str) or self.model
        self.provider = optional_field(event, "provider", str) or self.provider
        error = optional_field(event, "error", dict)
        for choice in optional_field(event, "choices", list) or ():
            self._apply_choice(choice, events, blobs)
        usage = optional_field(event, "usage", dict)
        if usage is not None:
            self._take_usage(usage, events)
        if error is not None:
            self._fail(error)

    def _apply_choice(
        self, choice: object, events: list[Event], blobs: Mapping[str, BytesLike] | None
    ) -> None:
        if not isinstance(choice, dict):
            raise protocol_error("a choice is not an object")
        part = choice.get("delta")
        if part is None:
            part = choice.get("message")
        if part is not None:
            if not isinstance(part, dict):
                raise protocol_error("a delta is not an object")
            reasoning = optional_field(part, "reasoning", str)
            if reasoning:
                self.content_started = True
                self._reasoning.append(reasoning)
                events.append(ReasoningDelta(text=reasoning))
            content = _text_of(part.get("content"))
            if content:
                self.content_started = True
                self._text.append(content)
                events.append(ContentDelta(text=content))
            for item in optional_field(part, "images", list) or ():
                self._apply_image(item, events, blobs)
        error = optional_field(choice, "error", dict)
        if error is not None:
            self._fail(error)
        finish_reason = optional_field(choice, "finish_reason", str)
        native_finish_reason = optional_field(choice, "native_finish_reason", str)
        # The usage chunk repeats the finish: the first one counts.
        if finish_reason and self.finish_reason is None:
            self.finish_reason = finish_reason
            self.native_finish_reason = native_finish_reason
            if finish_reason != "error":
                events.append(Finished(finish_reason=finish_reason))

    def _apply_image(self, item: object, events: list[Event], blobs: Mapping[str, BytesLike] | None) -> None:
        if not isinstance(item, dict):
            raise protocol_error("an image entry is not an object")
        image_url = item.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else image_url
        if not isinstance(url, str):
            raise protocol_error("an image entry has no URL")
        self._add_image(blobs.get(url, url) if blobs else url, events)

    def drop_oversized(self, head: bytes, reason: str) -> bool:
        if b'"images"' in head or b"data:image" in head:
            self._reject_image(reason)
            return True
        return False

    def _raise_for_failed_finish(self) -> None:
        if self.finish_reason == "error":
            raise ProviderError(
                "The model stopped with an error and no explanation; try again, or pick another model.",
                charged_possibly=self.content_started,
            )

    def _ended_properly(self, saw_done: bool) -> bool:
        # The finish, then [DONE] or the usage chunk (OpenRouter sends both; either proves the end).
        return self.finish_reason is not None and (saw_done or self.usage is not None)


def parse_completion(
    body: object,
    *,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    derive: Derive | None = None,
) -> GenerationResult:
    """Parse a non-streaming chat completion (`choices[0].message.images`) into a GenerationResult.

    Raises the typed error for an error envelope or for `finish_reason: "error"` inside a 200.
    """
    reader = ChatReader(
        max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=True, derive=derive
    )
    reader.apply(body, [])
    return reader.build(require_complete=False, saw_done=True)


class StreamDecoder(SseDecoder):
    """Incremental parser for OpenRouter's SSE chat-completion stream (see SseDecoder)."""

    def __init__(
        self,
        *,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        verify_images: bool = True,
        derive: Derive | None = None,
    ) -> None:
        """`verify_images=False` skips the Pillow decode (base64 is still checked): for benchmarks."""
        reader = ChatReader(
            max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=verify_images, derive=derive
        )
        super().__init__(reader, max_image_bytes=max_image_bytes)
