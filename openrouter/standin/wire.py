"""Byte-level helpers for writing OpenRouter's wire format: error bodies, SSE events, data URLs, and
multi-megabyte image strings spliced into JSON without being copied into it."""

from __future__ import annotations

import base64
import json
from typing import Any

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"


def error_body(status: int, message: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": status}
    if metadata is not None:
        error["metadata"] = metadata
    return {"error": error}


def data_url(mime: str, data: bytes) -> bytes:
    return b"data:" + mime.encode() + b";base64," + base64.b64encode(data)


# Stands for an image's string in a JSON document until the image's bytes are put in its place.
IMAGE_SLOT = "\x00image\x00"


def image_slot(index: int) -> str:
    return f"\x00image{index}\x00"


def sse_event(payload: dict[str, Any], image: list[bytes] | None = None) -> list[bytes]:
    """One SSE data event as byte pieces; `image` fills the payload's `IMAGE_SLOT` string, unquoted."""
    if image is None:
        return [b"data: " + json.dumps(payload).encode() + b"\n\n"]
    before, after = json.dumps(payload).split(json.dumps(IMAGE_SLOT))
    return [b"data: " + before.encode() + b'"', *image, b'"' + after.encode() + b"\n\n"]


def with_slots_filled(payload: dict[str, Any], images: list[list[bytes]]) -> bytes:
    """The payload as JSON with `image_slot(i)` replaced by image i's bytes (a multi-megabyte string)."""
    text = json.dumps(payload).encode()
    for index, pieces in enumerate(images):
        text = text.replace(json.dumps(image_slot(index)).encode(), b'"' + b"".join(pieces) + b'"')
    return text


def image_pieces(image: bytes | int) -> list[bytes]:
    """An image URL's bytes; an int is a cheap oversize payload of that many base64 characters."""
    if isinstance(image, bytes):
        return [image]
    return [b"data:image/png;base64,", *_repeated(b"A", image)]


def base64_of(image: bytes | int) -> tuple[str, list[bytes]]:
    """(media type, base64 pieces) of an image, for the Image API's `b64_json` and `media_type`."""
    header, *payload = image_pieces(image)
    if not payload:
        header, _, base64_text = header.partition(b",")
        payload = [base64_text]
    return header.removeprefix(b"data:").split(b";")[0].decode(), payload


def _repeated(byte: bytes, count: int, block: int = 1 << 20) -> list[bytes]:
    whole, rest = divmod(count, block)
    filler = byte * block
    return [filler] * whole + ([byte * rest] if rest else [])
