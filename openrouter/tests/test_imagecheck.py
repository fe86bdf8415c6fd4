import base64
import io
import warnings

import pytest
from PIL import Image

from openrouter import ImageRejected, imagecheck
from openrouter.imagecheck import check_data_url, decode_data_url, inspect_image
from openrouter.standin import bomb_png


def encode(picture: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


PNG = encode(Image.new("RGB", (40, 30), "teal"), "PNG")


@pytest.mark.parametrize(
    ("fmt", "mime", "size"),
    [("PNG", "image/png", (40, 30)), ("JPEG", "image/jpeg", (64, 48)), ("WEBP", "image/webp", (17, 9))],
)
def test_accepts_png_jpeg_webp_with_their_size_and_keeps_the_bytes(fmt, mime, size):
    original = encode(Image.new("RGB", size, "orange"), fmt)

    checked = check_data_url(data_url(mime, original))

    assert (checked.width, checked.height) == size
    assert checked.format == fmt
    assert checked.mime_type == mime
    assert checked.data == original  # never re-encoded


def test_accepts_a_view_into_a_buffer_like_a_string():
    url = data_url("image/png", PNG).encode()
    buffer = bytearray(b"xx" + url + b"yy")

    with memoryview(buffer) as view, view[2 : 2 + len(url)] as window:
        checked = check_data_url(window)

    assert checked.data == PNG
    buffer += b"resizable again"  # no view was left behind


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (data_url("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "it is an SVG"),
        (data_url("text/html", b"<script>alert(1)</script>"), "text/html data, not an image"),
        (data_url("image/gif", b"GIF89a"), "image/gif image, which Easel does not accept"),
        ("https://cdn.example.com/image.png", "Easel never downloads"),
        ("http://cdn.example.com/image.png", "Easel never downloads"),
        ("javascript:alert(1)", "not a data: URL"),
        ("data:image/png,plain-not-base64", "not base64-encoded"),
        ("data:image/png;base64", "no payload"),
        ("data:image/png;base64,", "it is empty"),
    ],
)
def test_refuses_what_is_not_a_base64_png_jpeg_or_webp(url, reason):
    with pytest.raises(ImageRejected) as caught:
        check_data_url(url)
    assert reason in caught.value.reason
    assert caught.value.kind == "image_rejected"
    assert caught.value.message.startswith("Easel could not keep the model's image: ")


@pytest.mark.parametrize(
    "payload",
    [
        "iVBORw0KGgo!!!not*base64***",
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB CAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
        "iVBORw0KGgo",  # bad padding
        "iVBORw0KGgo=\n",
        "aGVsbG8=aGVs",  # data after padding
        "aGVsbG8é",
    ],
)
def test_refuses_anything_but_strict_base64(payload):
    with pytest.raises(ImageRejected, match="base64 data is corrupt"):
        decode_data_url(f"data:image/png;base64,{payload}")


def test_refuses_an_oversized_payload_before_decoding_it(monkeypatch):
    def decoding_is_not_allowed(*args, **kwargs):
        raise AssertionError("the payload was decoded")

    monkeypatch.setattr(imagecheck.binascii, "a2b_base64", decoding_is_not_allowed)
    payload = "A" * 4_000_000  # 3 MB once decoded

    with pytest.raises(ImageRejected) as caught:
        decode_data_url(f"data:image/png;base64,{payload}", max_bytes=2_000_000)

    assert "about 3.0 MB, over Easel's limit of 2.0 MB" in caught.value.reason


def test_the_size_cap_is_exact():
    data = b"x" * 3000
    url = data_url("image/png", data)
    assert decode_data_url(url, max_bytes=3000) == ("image/png", data)
    with pytest.raises(ImageRejected):
        decode_data_url(url, max_bytes=2997)


def test_refuses_a_header_claiming_too_many_pixels_without_decoding_them():
    with pytest.raises(ImageRejected, match="more pixels than Easel's limit"):
        check_data_url(data_url("image/png", bomb_png(20_000, 20_000)))
    # Under Pillow's own bomb limit, Easel's cap (from the header) still applies.
    with pytest.raises(
        ImageRejected, match="claims to be 8000x6000 pixels, over Easel's limit of 40 megapixels"
    ):
        check_data_url(data_url("image/png", bomb_png(8000, 6000)))


def test_pixel_cap_is_a_parameter():
    with pytest.raises(ImageRejected, match="claims to be 40x30 pixels"):
        inspect_image(PNG, declared_mime="image/png", max_pixels=1000)
    assert inspect_image(PNG, declared_mime="image/png", max_pixels=1200).width == 40


def test_pillow_bomb_warning_is_an_error_here_only(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40x30 = 1200 pixels: Pillow warns
    filters_before = list(warnings.filters)

    with pytest.raises(ImageRejected, match="more pixels"):
        inspect_image(PNG, declared_mime="image/png", max_pixels=10**9)

    assert warnings.filters == filters_before


def test_refuses_a_truncated_png():
    noisy = Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48)
    whole = encode(noisy, "PNG")
    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        check_data_url(data_url("image/png", whole[: len(whole) * 2 // 3]))


def test_refuses_bytes_that_are_no_image():
    with pytest.raises(ImageRejected, match="not a PNG, JPEG or WebP"):
        check_data_url(data_url("image/png", b"just some text pretending to be a PNG"))


def test_refuses_a_type_that_does_not_match_the_bytes():
    with pytest.raises(ImageRejected, match="labelled image/jpeg but the bytes are a PNG file"):
        check_data_url(data_url("image/jpeg", PNG))


def test_mime_type_case_and_parameters_are_tolerated():
    checked = check_data_url("data:IMAGE/PNG;name=x.png;BASE64," + base64.b64encode(PNG).decode())
    assert checked.mime_type == "image/png"


def test_derive_sees_the_whole_decoded_picture_and_its_result_rides_on_the_checked_image():
    seen = []

    def derive(picture: Image.Image):
        seen.append((picture.mode, picture.size, picture.getpixel((0, 0))))  # pixels, not just a header
        return "made from the pixels"

    checked = check_data_url(data_url("image/png", PNG), derive=derive)

    assert seen == [("RGB", (40, 30), (0, 128, 128))]
    assert checked.derived == "made from the pixels"
    assert checked.data == PNG


def test_derive_is_not_called_for_a_refused_image():
    truncated = PNG[: len(PNG) // 2]
    calls = []

    with pytest.raises(ImageRejected):
        inspect_image(truncated, declared_mime="image/png", derive=calls.append)

    assert calls == []


def test_an_error_in_derive_is_its_own_and_never_a_refusal_of_the_image():
    def derive(picture):
        raise RuntimeError("the thumbnail maker broke")

    with pytest.raises(RuntimeError, match="thumbnail maker broke"):
        inspect_image(PNG, declared_mime="image/png", derive=derive)


def test_without_derive_nothing_is_derived():
    assert inspect_image(PNG, declared_mime="image/png").derived is None
