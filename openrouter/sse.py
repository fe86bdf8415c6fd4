"""Server-sent events as OpenRouter sends them, for any of its wire formats.

`SseDecoder` is fed the response body in arbitrary byte chunks and hands each `data:` event, parsed
as JSON, to an `EventReader` that knows one wire format (chat completions, the Image API) and turns
events into Easel's events and, at `close()`, a `GenerationResult`. It needs no HTTP, so tests and
benchmarks drive it directly.

A whole image arrives as one `data:` line that can be tens of megabytes. The decoder keeps that
line in a single bytearray, searches for the newline only in bytes that just arrived, and cuts
the image's base64 out of the line before JSON parsing (where the reader's `BLOB_START` says an
image string begins), so it is decoded straight from the buffer: peak memory is the line plus the
decoded image, not several copies of the line.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from openrouter.errors import OpenRouterError, StreamProtocolError, TruncatedStream
from openrouter.imagecheck import base64_length_limit
from openrouter.types import DEFAULT_MAX_IMAGE_BYTES, BytesLike, Event, GenerationResult

_NEWLINE = b"\n"
_CR = 0x0D
_COLON = 0x3A
_SPACE = 0x20
_BACKSLASH = 0x5C
# Room for the JSON around an image's base64 on its line.
_LINE_SLACK = 256 * 1024
# SSE fields other than `data` that may appear and carry nothing OpenRouter uses (the Image API
# may name its events with `event:` too, but every event's JSON says its type again).
_IGNORED_FIELDS = frozenset({b"event", b"id", b"retry"})


def protocol_error(detail: str) -> StreamProtocolError:
    return StreamProtocolError(f"OpenRouter sent a response Easel could not understand ({detail}).")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def loads_json(text: str) -> Any:
    """Parse one event; numbers with a fraction become Decimal (costs), NaN and Infinity are refused."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise protocol_error("an event is not valid JSON") from None


class EventReader(Protocol):
    """What one wire format makes of the JSON events of a response (streamed, or the one whole body)."""

    # Where an image's string starts on a line: group 1 is its opening quote. Strings found there
    # are cut out before JSON parsing and handed to `apply` as `blobs` (token in the JSON -> bytes).
    BLOB_START: ClassVar[re.Pattern[bytes]]

    @property
    def generation_id(self) -> str | None: ...

    @property
    def content_started(self) -> bool:
        """True once the model produced anything: from then on a failure is never retried."""
        ...

    @property
    def error(self) -> OpenRouterError | None: ...

    def apply(self, event: object, events: list[Event], blobs: Mapping[str, BytesLike] | None = None) -> None:
        """Take in one parsed event, appending the Easel events it completes to `events`."""
        ...

    def drop_oversized(self, head: bytes, reason: str) -> bool:
        """An event too long to hold was dropped; `head` is its start. If it was an image, record
        `reason` as that image's rejection and return True; False means it cannot have been valid."""
        ...

    def build(self, *, require_complete: bool, saw_done: bool) -> GenerationResult:
        """The result, or the typed error; `require_complete` asks for proof the response ended properly."""
        ...


def _quote_is_escaped(buf: bytearray, quote: int) -> bool:
    backslashes = 0
    position = quote - 1
    while position >= 0 and buf[position] == _BACKSLASH:
        backslashes += 1
        position -= 1
    return backslashes % 2 == 1


@contextmanager
def _json_with_blobs_cut(
    buf: bytearray, start: int, end: int, token_prefix: str, blob_start: re.Pattern[bytes]
) -> Iterator[tuple[Any, dict[str, memoryview]]]:
    """Parse the JSON in buf[start:end], with each plain string that `blob_start` finds replaced by a token.

    Yields the parsed value and {token: view of the string's bytes in buf}. An image string holds
    only base64 characters, so when it has no backslash its bytes are exactly the JSON string's value.
    The views are released on exit, so the buffer can be resized again.
    """
    whole = memoryview(buf)
    views = [whole]
    try:
        pieces: list[BytesLike] = []
        blobs: dict[str, memoryview] = {}
        position = start
        while (found := blob_start.search(buf, position, end)) is not None:
            quote = found.start(1)
            closing = buf.find(b'"', quote + 1, end)
            if closing == -1:
                break
            if _quote_is_escaped(buf, found.start()) or buf.find(b"\\", quote + 1, closing) != -1:
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
            raise protocol_error("an event is not valid UTF-8") from None
        del raw
        yield loads_json(text), blobs
    finally:
        for view in reversed(views):
            view.release()


@dataclass(slots=True)
class _SkippedLine:
    length: int
    head: bytes


class SseDecoder:
    """Incremental parser for an OpenRouter SSE stream; what the events mean is the reader's business.

    `feed(chunk)` returns the events completed by that chunk; `close()` returns the result or raises
    (the mapped error for an error event, TruncatedStream when the stream ended before it finished).
    Malformed input raises StreamProtocolError. Lines may end in LF or CRLF; each `data:` line is one
    JSON event (OpenRouter never splits an event over several data lines).
    """

    def __init__(self, reader: EventReader, *, max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> None:
        self._reader = reader
        self._max_image_bytes = max_image_bytes
        self._max_line_bytes = base64_length_limit(max_image_bytes) + _LINE_SLACK
        self._buffer = bytearray()
        self._skipping: _SkippedLine | None = None
        self._saw_done = False
        self._saw_data = False
        self._closed = False
        # Tokens stand in for cut-out images; a random part keeps a server from forging one.
        self._token_prefix = f"\x00easel-image-{secrets.token_hex(8)}-"

    @property
    def generation_id(self) -> str | None:
        return self._reader.generation_id

    @property
    def saw_data(self) -> bool:
        """True once any data event arrived (keep-alive comments don't count)."""
        return self._saw_data

    @property
    def content_started(self) -> bool:
        return self._reader.content_started

    @property
    def error(self) -> OpenRouterError | None:
        """The typed error of an error event, once one arrived."""
        return self._reader.error

    @property
    def finished(self) -> bool:
        """True after `[DONE]` or an error event: nothing more will be read."""
        return self._saw_done or self._reader.error is not None

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
        return self._reader.build(require_complete=True, saw_done=self._saw_done)

    def _start_skip(self) -> None:
        # An over-long line is dropped as it streams in instead of being held in memory.
        self._skipping = _SkippedLine(length=len(self._buffer), head=bytes(self._buffer[:4096]))
        self._buffer = bytearray()

    def _end_skip(self, extra: int) -> None:
        skipped, self._skipping = self._skipping, None
        assert skipped is not None
        self._saw_data = True
        length = skipped.length + extra
        reason = (
            f"it is about {length * 3 // 4 / 1e6:.1f} MB, "
            f"over Easel's limit of {self._max_image_bytes / 1e6:.1f} MB"
        )
        if not self._reader.drop_oversized(skipped.head, reason):
            raise protocol_error(f"an event of {length / 1e6:.0f} MB that is not an image")

    def _handle_line(self, buffer: bytearray, start: int, end: int, events: list[Event]) -> None:
        if start == end or buffer[start] == _COLON:
            return  # event boundary, or a comment such as ": OPENROUTER PROCESSING"
        colon = buffer.find(b":", start, min(end, start + 16))
        field = bytes(buffer[start:colon]) if colon != -1 else b""
        if field != b"data":
            if field in _IGNORED_FIELDS:
                return
            raise protocol_error("a line that is not part of a server-sent event stream")
        value_start = colon + 1
        if value_start < end and buffer[value_start] == _SPACE:
            value_start += 1
        self._saw_data = True
        if end - value_start == 6 and buffer.startswith(b"[DONE]", value_start):
            self._saw_done = True
            return
        blob_start = self._reader.BLOB_START
        with _json_with_blobs_cut(buffer, value_start, end, self._token_prefix, blob_start) as (event, blobs):
            self._reader.apply(event, events, blobs)
