"""PNG, JPEG and WebP: one table of names, types and extensions, and sniffing by the leading bytes."""

import io

import pytest
from PIL import Image

from core.image_formats import (
    EXTENSIONS,
    FORMATS_BY_MIME,
    MIME_TYPES,
    PILLOW_FORMATS,
    sniff_mime_type,
)


def test_the_tables_agree():
    assert PILLOW_FORMATS == ("PNG", "JPEG", "WEBP")
    assert set(EXTENSIONS) == set(MIME_TYPES) == set(PILLOW_FORMATS)
    assert EXTENSIONS == {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
    assert FORMATS_BY_MIME == {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


@pytest.mark.parametrize("image_format", PILLOW_FORMATS)
def test_a_real_file_is_sniffed_as_its_format(image_format):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, image_format)
    data = out.getvalue()

    assert sniff_mime_type(data) == MIME_TYPES[image_format]
    assert sniff_mime_type(memoryview(data)) == MIME_TYPES[image_format]
    assert sniff_mime_type(data[:12]) == MIME_TYPES[image_format]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"\x89PNG",  # cut short
        b"this is not a png, just some text pretending to be one",
    ],
)
def test_anything_else_is_not_sniffed(data):
    assert sniff_mime_type(data) == ""
