"""OpenRouter chat-completion responses, streamed (SSE) or not, turned into events and a result.

`StreamDecoder` is fed the response body in arbitrary byte chunks and returns the events each
chunk completes; `close()` gives the `GenerationResult` or raises the typed error. It needs no
HTTP, so tests and benchmarks drive it directly.

A whole image arrives as one `data:` line that can be tens of megabytes. The decoder keeps that
line in a single bytearray, searches for the newline only in bytes that just arrived, and cuts
the image's base64 out of the line before JSON parsing, so it is decoded straight from the
buffer: peak memory is the line plus the decoded image, not several copies of the line.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

# Only the module here: imagecheck imports imagegen.openrouter, so its names are looked up at call time.
from imagegen import imagecheck
from imagegen.openrouter.errors import (
    ImageRejected,
    OpenRouterError,
    ProviderError,
    StreamProtocolError,
    TruncatedStream,
    code_to_status,
    error_for_status,
)
from imagegen.openrouter.types import (
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_MAX_PIXELS,
    BytesLike,
    ContentDelta,
    Event,
    Finished,
    GeneratedImage,
    GenerationResult,
    ImageReceived,
    ReasoningDelta,
    Usage,
    UsageReceived,
)

_NEWLINE = b"\n"
_CR = 0x0D
_COLON = 0x3A
_SPACE = 0x20
_BACKSLASH = 0x5C
_DATA_URL_STRING = b'"data:'
# Room for the JSON around an image's base64 on its line.
_LINE_SLACK = 256 * 1024
# SSE fields other than `data` that may appear and carry nothing OpenRouter uses.
_IGNORED_FIELDS = frozenset({b"event", b"id", b"retry"})


def _protocol(detail: str) -> StreamProtocolError:
    return StreamProtocolError(f"OpenRouter sent a response Easel could not understand ({detail}).")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise _protocol("an event is not valid JSON") from None


def _optional[T](mapping: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    value = mapping.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _protocol(f"“{key}” has the wrong type")
    return value


def _count(mapping: Mapping[str, Any], key: str) -> int:
    value = mapping.get(key)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (Decimal, float)) and value == value and float(value).is_integer():
        return int(value)
    raise _protocol(f"“{key}” is not a whole number")


def _money(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise _protocol("a cost is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _protocol("a cost is not a number") from None
    if not amount.is_finite():
        raise _protocol("a cost is not a finite number")
    return amount


def parse_usage(raw: Mapping[str, Any]) -> Usage:
    details = _optional(raw, "completion_tokens_details", dict) or {}
    return Usage(
        prompt_tokens=_count(raw, "prompt_tokens"),
        completion_tokens=_count(raw, "completion_tokens"),
        total_tokens=_count(raw, "total_tokens"),
        image_tokens=_count(details, "image_tokens"),
        reasoning_tokens=_count(details, "reasoning_tokens"),
        cost_usd=_money(raw.get("cost")),
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
                raise _protocol("a content part is not an object")
            text = _optional(part, "text", str)
            if text:
                texts.append(text)
        return "".join(texts)
    raise _protocol("“content” has the wrong type")


class _ResultBuilder:
    """Accumulates chunks (streamed deltas or one whole message) into a GenerationResult."""

    def __init__(self, *, max_image_bytes: int, max_pixels: int, verify_images: bool) -> None:
        self._max_image_bytes = max_image_bytes
        self._max_pixels = max_pixels
        self._verify_images = verify_images
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
        self._images: list[GeneratedImage] = []
        self._rejected: list[str] = []

    def apply(self, chunk: object, events: list[Event], blobs: Mapping[str, BytesLike] | None = None) -> None:
        if not isinstance(chunk, dict):
            raise _protocol("an event is not a JSON object")
        generation_id = _optional(chunk, "id", str)
        if generation_id and self.generation_id is None:
            self.generation_id = generation_id
        self.model = _optional(chunk, "model", str) or self.model
        self.provider = _optional(chunk, "provider", str) or self.provider
        error = _optional(chunk, "error", dict)
        for choice in _optional(chunk, "choices", list) or ():
            self._apply_choice(choice, events, blobs)
        usage = _optional(chunk, "usage", dict)
        if usage is not None:
            self.usage = parse_usage(usage)
            events.append(UsageReceived(usage=self.usage))
        if error is not None:
            self._fail(error)

    def _apply_choice(
        self, choice: object, events: list[Event], blobs: Mapping[str, BytesLike] | None
    ) -> None:
        if not isinstance(choice, dict):
            raise _protocol("a choice is not an object")
        part = choice.get("delta")
        if part is None:
            part = choice.get("message")
        if part is not None:
            if not isinstance(part, dict):
                raise _protocol("a delta is not an object")
            reasoning = _optional(part, "reasoning", str)
            if reasoning:
                self.content_started = True
                self._reasoning.append(reasoning)
                events.append(ReasoningDelta(text=reasoning))
            content = _text_of(part.get("content"))
            if content:
                self.content_started = True
                self._text.append(content)
                events.append(ContentDelta(text=content))
            for item in _optional(part, "images", list) or ():
                self._apply_image(item, events, blobs)
        error = _optional(choice, "error", dict)
        if error is not None:
            self._fail(error)
        finish_reason = _optional(choice, "finish_reason", str)
        native_finish_reason = _optional(choice, "native_finish_reason", str)
        # The usage chunk repeats the finish: the first one counts.
        if finish_reason and self.finish_reason is None:
            self.finish_reason = finish_reason
            self.native_finish_reason = native_finish_reason
            if finish_reason != "error":
                events.append(Finished(finish_reason=finish_reason))

    def _apply_image(self, item: object, events: list[Event], blobs: Mapping[str, BytesLike] | None) -> None:
        if not isinstance(item, dict):
            raise _protocol("an image entry is not an object")
        image_url = item.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else image_url
        if not isinstance(url, str):
            raise _protocol("an image entry has no URL")
        source: str | BytesLike = blobs.get(url, url) if blobs else url
        self.content_started = True
        index = len(self._images) + len(self._rejected)
        try:
            if self._verify_images:
                checked = imagecheck.check_data_url(
                    source, max_bytes=self._max_image_bytes, max_pixels=self._max_pixels
                )
                mime, data = checked.mime_type, checked.data
                width, height, fmt = checked.width, checked.height, checked.format
            else:
                mime, data = imagecheck.decode_data_url(source, max_bytes=self._max_image_bytes)
                width, height, fmt = 0, 0, imagecheck.ACCEPTED_TYPES[mime]
        except ImageRejected as rejected:
            self.reject_image(rejected.reason)
            return
        self._images.append(
            GeneratedImage(data=data, mime_type=mime, index=index, width=width, height=height, format=fmt)
        )
        events.append(ImageReceived(index=index, mime_type=mime, size_bytes=len(data)))

    def reject_image(self, reason: str) -> None:
        self.content_started = True
        self._rejected.append(reason)

    def _fail(self, error: Mapping[str, Any]) -> None:
        if self.error is not None:
            return
        metadata = error.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        message = error.get("message")
        self.error = error_for_status(
            code_to_status(error.get("code"), metadata.get("error_type")),
            upstream_message=message if isinstance(message, str) else None,
            metadata=metadata,
            model=self.model,
            midstream=True,
            charged_possibly=self.content_started,
        )

    def build(self, *, require_complete: bool, saw_done: bool) -> GenerationResult:
        if self.error is not None:
            raise self.error
        if self.finish_reason == "error":
            raise ProviderError(
                "The model stopped with an error and no explanation; try again, or pick another model.",
                charged_possibly=self.content_started,
            )
        if require_complete and (self.finish_reason is None or not (saw_done or self.usage is not None)):
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
            images=tuple(self._images),
            usage=self.usage,
            rejected_images=tuple(self._rejected),
        )


def parse_completion(
    body: object,
    *,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> GenerationResult:
    """Parse a non-streaming chat completion (`choices[0].message.images`) into a GenerationResult.

    Raises the typed error for an error envelope or for `finish_reason: "error"` inside a 200.
    """
    builder = _ResultBuilder(max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=True)
    builder.apply(body, [])
    return builder.build(require_complete=False, saw_done=True)


def _quote_is_escaped(buf: bytearray, quote: int) -> bool:
    backslashes = 0
    position = quote - 1
    while position >= 0 and buf[position] == _BACKSLASH:
        backslashes += 1
        position -= 1
    return backslashes % 2 == 1


@contextmanager
def _json_with_data_urls_cut(
    buf: bytearray, start: int, end: int, token_prefix: str
) -> Iterator[tuple[Any, dict[str, memoryview]]]:
    """Parse the JSON in buf[start:end], with each plain `"data:..."` string replaced by a token.

    Yields the parsed value and {token: view of the data URL in buf}. A data URL holds only
    base64 characters, so when it has no backslash its bytes are exactly the JSON string's value.
    The views are released on exit, so the buffer can be resized again.
    """
    whole = memoryview(buf)
    views = [whole]
    try:
        pieces: list[BytesLike] = []
        blobs: dict[str, memoryview] = {}
        position = start
        while (quote := buf.find(_DATA_URL_STRING, position, end)) != -1:
            closing = buf.find(b'"', quote + 1, end)
            if closing == -1:
                break
            if _quote_is_escaped(buf, quote) or buf.find(b"\\", quote + 1, closing) != -1:
                # Inside another string, or escaped: leave it to the JSON parser.
                views.append(piece := whole[position : quote + 1])
                pieces.append(piece)
                position = quote + 1
                continue
            token = f"{token_prefix}{len(blobs)}"
            views.append(piece := whole[position:quote])
            pieces.append(piece)
            pieces.append(json.dumps(token).encode())
            views.append(blob := whole[quote + 1 : closing])
            blobs[token] = blob
            position = closing + 1
        views.append(tail := whole[position:end])
        raw: BytesLike = tail if not pieces else b"".join([*pieces, tail])
        try:
            text = str(raw, "utf-8")
        except UnicodeDecodeError:
            raise _protocol("an event is not valid UTF-8") from None
        del raw
        yield _loads(text), blobs
    finally:
        for view in reversed(views):
            view.release()


@dataclass(slots=True)
class _SkippedLine:
    length: int
    looks_like_image: bool


class StreamDecoder:
    """Incremental parser for OpenRouter's SSE chat-completion stream.

    `feed(chunk)` returns the events completed by that chunk; `close()` returns the result or raises
    (the mapped error for an error chunk, TruncatedStream when the stream ended without a finish).
    Malformed input raises StreamProtocolError. Lines may end in LF or CRLF; each `data:` line is one
    JSON event (OpenRouter never splits an event over several data lines).
    """

    def __init__(
        self,
        *,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        verify_images: bool = True,
    ) -> None:
        """`verify_images=False` skips the Pillow decode (base64 is still checked): for benchmarks."""
        self._builder = _ResultBuilder(
            max_image_bytes=max_image_bytes, max_pixels=max_pixels, verify_images=verify_images
        )
        self._max_image_bytes = max_image_bytes
        self._max_line_bytes = imagecheck.base64_length_limit(max_image_bytes) + _LINE_SLACK
        self._buffer = bytearray()
        self._skipping: _SkippedLine | None = None
        self._saw_done = False
        self._saw_data = False
        self._closed = False
        # Tokens stand in for cut-out data URLs; a random part keeps a server from forging one.
        self._token_prefix = f"\x00easel-data-url-{secrets.token_hex(8)}-"

    @property
    def generation_id(self) -> str | None:
        return self._builder.generation_id

    @property
    def saw_data(self) -> bool:
        """True once any data event arrived (keep-alive comments don't count)."""
        return self._saw_data

    @property
    def content_started(self) -> bool:
        return self._builder.content_started

    @property
    def error(self) -> OpenRouterError | None:
        """The typed error of an error chunk, once one arrived."""
        return self._builder.error

    @property
    def finished(self) -> bool:
        """True after `[DONE]` or an error chunk: nothing more will be read."""
        return self._saw_done or self._builder.error is not None

    def feed(self, chunk: BytesLike) -> list[Event]:
        if self._closed:
            raise RuntimeError("feed() after close()")
        events: list[Event] = []
        if not chunk or self.finished:
            return events
        data = bytes(chunk) if isinstance(chunk, memoryview) else chunk
        if self._skipping is not None:
            newline = data.find(_NEWLINE)
            if newline == -1:
                self._skipping.length += len(data)
                return events
            self._end_skip(newline)
            data = data[newline + 1 :]

        buffer = self._buffer
        scan_from = len(buffer)  # earlier bytes hold no newline: search only the new ones
        buffer += data
        line_start = 0
        while not self.finished and (newline := buffer.find(_NEWLINE, scan_from)) != -1:
            line_end = newline - 1 if newline > line_start and buffer[newline - 1] == _CR else newline
            self._handle_line(buffer, line_start, line_end, events)
            line_start = scan_from = newline + 1

        if self.finished or line_start == len(buffer):
            # A fresh buffer returns a multi-megabyte allocation at once.
            self._buffer = bytearray()
        elif line_start:
            del buffer[:line_start]
        if len(self._buffer) > self._max_line_bytes:
            self._start_skip()
        return events

    def close(self) -> GenerationResult:
        """The finished result, or the typed error. Bytes after the last newline are ignored."""
        self._closed = True
        self._buffer = bytearray()
        if self._skipping is not None and not self.finished:
            self._skipping = None
            raise TruncatedStream(
                "The connection to OpenRouter ended in the middle of an image, so nothing was kept. "
                "The model may already have run and been charged; try again.",
                charged_possibly=True,
            )
        return self._builder.build(require_complete=True, saw_done=self._saw_done)

    def _start_skip(self) -> None:
        # An over-long line is dropped as it streams in instead of being held in memory.
        head = bytes(self._buffer[:4096])
        self._skipping = _SkippedLine(
            length=len(self._buffer), looks_like_image=b'"images"' in head or b"data:image" in head
        )
        self._buffer = bytearray()

    def _end_skip(self, extra: int) -> None:
        skipped, self._skipping = self._skipping, None
        assert skipped is not None
        self._saw_data = True
        if not skipped.looks_like_image:
            raise _protocol(f"an event of {(skipped.length + extra) / 1e6:.0f} MB that is not an image")
        size = (skipped.length + extra) * 3 // 4
        self._builder.reject_image(
            f"it is about {size / 1e6:.1f} MB, over Easel's limit of {self._max_image_bytes / 1e6:.1f} MB"
        )

    def _handle_line(self, buffer: bytearray, start: int, end: int, events: list[Event]) -> None:
        if start == end or buffer[start] == _COLON:
            return  # event boundary, or a comment such as ": OPENROUTER PROCESSING"
        colon = buffer.find(b":", start, min(end, start + 16))
        field = bytes(buffer[start:colon]) if colon != -1 else b""
        if field != b"data":
            if field in _IGNORED_FIELDS:
                return
            raise _protocol("a line that is not part of a server-sent event stream")
        value_start = colon + 1
        if value_start < end and buffer[value_start] == _SPACE:
            value_start += 1
        self._saw_data = True
        if end - value_start == 6 and buffer.startswith(b"[DONE]", value_start):
            self._saw_done = True
            return
        with _json_with_data_urls_cut(buffer, value_start, end, self._token_prefix) as (chunk, blobs):
            self._builder.apply(chunk, events, blobs)
