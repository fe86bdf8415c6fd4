"""The picture formats Easel keeps, PNG, JPEG and WebP: their Pillow names, MIME types and file
extensions, and telling them apart by their first bytes (what a browser or an API declares is not trusted).

Sniffing only names a format; proving the whole file is one takes a decoder (imagecheck).
"""

# Pillow's format name -> MIME type.
MIME_TYPES: dict[str, str] = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
FORMATS_BY_MIME: dict[str, str] = {mime: image_format for image_format, mime in MIME_TYPES.items()}
PILLOW_FORMATS: tuple[str, ...] = tuple(MIME_TYPES)
EXTENSIONS: dict[str, str] = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}

MAGIC_NUMBERS: dict[bytes, str] = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
SNIFF_BYTES = 12  # enough of the start for every signature


def sniff_mime_type(data: bytes | bytearray | memoryview) -> str:
    """The MIME type the leading bytes say (`""` when they are none of the three formats)."""
    head = bytes(data[:SNIFF_BYTES])
    for magic, mime in MAGIC_NUMBERS.items():
        if head.startswith(magic):
            return mime
    # A WebP file is a RIFF container: "RIFF", four bytes of length, then "WEBP".
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""
