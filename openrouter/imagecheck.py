"""Checks image bytes a model returned before Easel keeps them.

Only base64 `data:` URLs of PNG, JPEG or WebP are accepted. The size is capped on the base64
length before anything is decoded, the base64 must be strict, and Pillow (limited to those three
formats, with a pixel cap read from the header and bomb warnings turned into errors) must decode
the whole picture. The original bytes are returned unchanged: Easel does not re-encode, so content
credentials embedded by the provider stay valid.
"""

from __future__ import annotations

import binascii
import io
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from core.decoding import decoding_slot
from core.image_formats import FORMATS_BY_MIME, MIME_TYPES, PILLOW_FORMATS
from openrouter.errors import ImageRejected
from openrouter.types import DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS, BytesLike

# Called with a checked image's decoded pixels (see inspect_image).
Derive = Callable[[Image.Image], Any]

# A data URL's header ("data:image/png;base64,") is short; anything longer is not one.
_MAX_HEADER_BYTES = 256


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckedImage:
    data: bytes = field(repr=False)
    mime_type: str
    width: int
    height: int
    format: str
    derived: Any = field(default=None, repr=False)  # what inspect_image's `derive` made of the pixels


def base64_length_limit(max_bytes: int) -> int:
    """The longest base64 text that can decode to at most `max_bytes` bytes."""
    return (max_bytes + 2) // 3 * 4


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _describe_type(mime: str) -> str:
    if mime == "image/svg+xml":
        return "it is an SVG (image/svg+xml), which Easel does not accept: only PNG, JPEG and WebP are kept"
    if mime.startswith("image/"):
        return f"it is a {mime} image, which Easel does not accept: only PNG, JPEG and WebP are kept"
    return f"it is {mime or 'untyped'} data, not an image"


def _split_data_url(header: str) -> tuple[str, bool]:
    """'data:image/png;base64' -> ('image/png', True)."""
    params = header[len("data:") :].split(";")
    mime = params[0].strip().lower()
    is_base64 = len(params) > 1 and params[-1].strip().lower() == "base64"
    return mime, is_base64


def decode_data_url(url: str | BytesLike, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> tuple[str, bytes]:
    """Decode a `data:<type>;base64,<payload>` URL into (mime type, bytes), refusing anything else.

    `url` may be bytes-like (a view into the stream buffer), so a multi-megabyte payload is
    decoded without first being copied into a string.
    """
    if isinstance(url, str):
        head_text = url[:_MAX_HEADER_BYTES]
    else:
        # bytes() of a temporary slice: no view into the caller's buffer outlives this line.
        head_text = bytes(url[:_MAX_HEADER_BYTES]).decode("ascii", errors="replace")
    if head_text[:5].lower() != "data:":
        scheme = head_text.split(":", 1)[0].lower() if ":" in head_text else ""
        if scheme in ("http", "https"):
            raise ImageRejected(
                "it is a link to a file on the web instead of the image itself, "
                "and Easel never downloads files a response points to"
            )
        raise ImageRejected("it is not a data: URL")
    comma = head_text.find(",")
    if comma == -1:
        raise ImageRejected("its data: URL has no payload")
    mime, is_base64 = _split_data_url(head_text[:comma])
    if mime not in FORMATS_BY_MIME:
        raise ImageRejected(_describe_type(mime))
    if not is_base64:
        raise ImageRejected("its data: URL is not base64-encoded")

    payload_length = len(url) - comma - 1
    if payload_length > base64_length_limit(max_bytes):
        raise ImageRejected(
            f"it is about {_megabytes(payload_length * 3 // 4)}, "
            f"over Easel's limit of {_megabytes(max_bytes)}"
        )
    if isinstance(url, str):
        payload: str | memoryview = url[comma + 1 :]
    else:
        payload = memoryview(url)[comma + 1 :]
    try:
        data = binascii.a2b_base64(payload, strict_mode=True)
    except (binascii.Error, ValueError):
        raise ImageRejected("its base64 data is corrupt") from None
    finally:
        if isinstance(payload, memoryview):
            payload.release()
    if not data:
        raise ImageRejected("it is empty")
    return mime, data


def inspect_image(
    data: bytes,
    *,
    declared_mime: str,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    derive: Derive | None = None,
) -> CheckedImage:
    """Prove `data` is a whole PNG, JPEG or WebP of the declared type, within the pixel cap.

    `derive`, if given, is called with the decoded picture while its pixels are in memory (a thumbnail,
    say, so that nothing decodes the image a second time); what it returns is the result's `derived`.
    Its errors are its own: they propagate as they are, never as a rejection of the image."""
    # The whole picture is decoded below: one of the process's decoding slots bounds the memory.
    with decoding_slot(), _decoded(data, declared_mime=declared_mime, max_pixels=max_pixels) as picture:
        width, height = picture.size
        real_format = picture.format or ""
        derived = derive(picture) if derive is not None else None
    return CheckedImage(
        data=data,
        mime_type=declared_mime,
        width=width,
        height=height,
        format=real_format,
        derived=derived,
    )


@contextmanager
def _decoded(data: bytes, *, declared_mime: str, max_pixels: int) -> Iterator[Image.Image]:
    """The picture, decoded whole; ImageRejected with a reason a person understands if it cannot be."""
    try:
        # Pillow's bomb check warns between MAX_IMAGE_PIXELS and twice that; make the warning an error
        # here only. (catch_warnings is process-wide before Python 3.14, but the pixel cap below is
        # stricter than Pillow's limit, so a race on the filter cannot let a bomb through.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=list(PILLOW_FORMATS))
            try:
                width, height = picture.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        f"it claims to be {width}x{height} pixels, "
                        f"over Easel's limit of {max_pixels / 1_000_000:.0f} megapixels"
                    )
                real_format = picture.format or ""
                real_mime = MIME_TYPES.get(real_format, "")
                if real_mime != declared_mime:
                    raise ImageRejected(
                        f"it was labelled {declared_mime} but the bytes are a {real_format} file"
                    )
                picture.load()
            except BaseException:
                picture.close()
                raise
    except ImageRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRejected(
            f"it has more pixels than Easel's limit of {max_pixels / 1_000_000:.0f} megapixels"
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageRejected("its bytes are not a PNG, JPEG or WebP image") from None
    except Exception as exc:
        # Hostile input can make a decoder fail in many ways (OSError, SyntaxError, struct.error,
        # zlib errors...); all of them mean the same thing here.
        raise ImageRejected(f"it is damaged or incomplete ({type(exc).__name__})") from None
    with picture:
        yield picture


def check_data_url(
    url: str | BytesLike,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    derive: Derive | None = None,
) -> CheckedImage:
    """Decode and fully check a data URL; raises ImageRejected with a reason a person understands."""
    mime, data = decode_data_url(url, max_bytes=max_bytes)
    return inspect_image(data, declared_mime=mime, max_pixels=max_pixels, derive=derive)
