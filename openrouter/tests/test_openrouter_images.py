"""The Image API (POST /images): its request body, and its answers read into the same results and errors.

Parsing edge cases use the decoder and parser directly; the client's rules (retries, events, the
header's generation id) run over httpx.MockTransport, as in test_openrouter_client.py.
"""

import base64
import io
import itertools
import json
from decimal import Decimal

import httpx
import pytest
from PIL import Image

from openrouter import (
    BadRequest,
    Finished,
    ImageReceived,
    ImageRejected,
    ImageRequest,
    ImagesApi,
    ImageStreamDecoder,
    NoImageReturned,
    OpenRouterClient,
    OpenRouterError,
    PreviewReceived,
    ProviderError,
    RateLimited,
    ReferenceImage,
    RequestSending,
    Started,
    StreamProtocolError,
    TruncatedStream,
    UpstreamTimeout,
    UsageReceived,
    build_images_payload,
    parse_images_response,
    wire_api,
)
from openrouter.tests.test_openrouter_client import Script, error_response, make_client, sse_events, streamed
from openrouter.tests.test_openrouter_stream import decode as decode_stream
from openrouter.tests.test_openrouter_stream import decode_measuring_memory, incompressible_png

REQUEST = ImageRequest(model="openai/gpt-image-1", prompt="a cat", output_modalities=("image",))
USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 4175,
    "total_tokens": 4184,
    "cost": 0.04,
    "completion_tokens_details": {"image_tokens": 4175},
}


def picture(fmt: str = "PNG", size: tuple[int, int] = (6, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def answer(*items: dict, usage=USAGE) -> dict:
    return {"created": 1748372400, "data": list(items), "usage": usage}


def item(data: bytes | None = None, media_type: str | None = "image/png") -> dict:
    entry = {"b64_json": b64(picture() if data is None else data)}
    if media_type is not None:
        entry["media_type"] = media_type
    return entry


def partial(index: int = 0, data: bytes | None = None) -> dict:
    return {
        "type": "image_generation.partial_image",
        "partial_image_index": index,
        "b64_json": b64(data or picture(size=(2, 2))),
    }


def completed(data: bytes | None = None, media_type: str | None = "image/png", usage=USAGE) -> dict:
    event = {"type": "image_generation.completed", "created": 1748372400, **item(data, media_type)}
    if usage is not None:
        event["usage"] = usage
    return event


def error_event(
    code="upstream_error", kind="provider_error", message="The upstream provider returned an error"
):
    return {"type": "error", "error": {"code": code, "message": message, "param": None, "type": kind}}


def stream_of(*events) -> bytes:
    return b": OPENROUTER PROCESSING\n\n" + b"".join(sse_events(*events))


def decode(data: bytes, chunk_size: int | None = None, **options):
    return decode_stream(data, chunk_size, decoder_class=ImageStreamDecoder, **options)


# The request


def test_payload_is_exactly_as_documented():
    request = ImageRequest(
        model="bytedance-seed/seedream-4.5",
        prompt="Make it watercolor",
        output_modalities=("image",),
        aspect_ratio="16:9",
        image_size="2K",
        reference_images=(ReferenceImage(data=b"\x89PNG-ish", mime_type="image/png"),),
        max_tokens=4000,
        n=3,
        seed=42,
        quality="high",
        background="transparent",
        output_format="webp",
        provider_only=("bytedance",),
    )
    assert build_images_payload(request) == {
        "model": "bytedance-seed/seedream-4.5",
        "prompt": "Make it watercolor",
        "n": 3,
        "stream": True,
        "aspect_ratio": "16:9",
        "resolution": "2K",
        "seed": 42,
        "quality": "high",
        "background": "transparent",
        "output_format": "webp",
        "input_references": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORy1pc2g="}}
        ],
        "provider": {"only": ["bytedance"], "allow_fallbacks": False},
    }
    # What the request leaves unset is not sent: a parameter the model does not describe is unsupported.
    plain = build_images_payload(REQUEST, stream=False)
    assert plain == {"model": REQUEST.model, "prompt": "a cat", "n": 1, "stream": False}


def test_easel_never_asks_for_svg_or_more_than_ten_images():
    with pytest.raises(ValueError, match="never asks for SVG"):
        ImageRequest(model="m/x", prompt="cat", output_modalities=("image",), output_format="svg")
    with pytest.raises(ValueError, match="n must be from 1 to 10"):
        ImageRequest(model="m/x", prompt="cat", output_modalities=("image",), n=11)


def test_half_k_is_the_apis_512():
    request = ImageRequest(model="m/x", prompt="cat", output_modalities=("image",), image_size="0.5K")
    assert build_images_payload(request)["resolution"] == "512"


def test_api_names_and_instances():
    assert wire_api("chat").path == "chat/completions"
    assert wire_api("images").path == "images"
    buffered = ImagesApi(stream=False)
    assert wire_api(buffered) is buffered
    with pytest.raises(ValueError, match="unknown OpenRouter API 'responses'"):
        wire_api("responses")


# Buffered answers


def test_buffered_answer_gives_the_checked_image_and_usage():
    png = picture(size=(30, 20))
    result = parse_images_response(answer(item(png)), generation_id="gen-7-header")

    (image,) = result.images
    assert image.data == png
    assert (image.width, image.height, image.format, image.mime_type, image.index) == (
        30,
        20,
        "PNG",
        "image/png",
        0,
    )
    assert result.generation_id == "gen-7-header"
    assert result.usage.cost_usd == Decimal("0.04")
    assert (result.usage.completion_tokens, result.usage.image_tokens) == (4175, 4175)
    assert (result.model, result.provider, result.finish_reason, result.text) == (None, None, "stop", "")


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_missing_media_type_is_read_from_the_bytes(fmt, mime):
    result = parse_images_response(answer(item(picture(fmt), media_type=None)))
    assert result.images[0].mime_type == mime
    assert result.images[0].format == fmt


@pytest.mark.parametrize(
    ("data", "media_type", "reason"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "it is an SVG (image/svg+xml)"),
        (picture(), "image/jpeg", "labelled image/jpeg but the bytes are a PNG file"),
        (b"just some text", "image/png", "its bytes are not a PNG, JPEG or WebP image"),
        (b"just some text", None, "it is untyped data, not an image"),
        (picture("GIF"), "image/gif", "it is a image/gif image, which Easel does not accept"),
    ],
    ids=["svg", "mislabelled", "not-an-image", "untyped", "gif"],
)
def test_unacceptable_images_are_refused_with_the_same_reasons_as_chat(data, media_type, reason):
    result = parse_images_response(answer(item(data, media_type), item()))
    assert reason in result.rejected_images[0]
    assert [image.index for image in result.images] == [1]


@pytest.mark.parametrize("media_type", ["Image/PNG; charset=binary", "image/png,evil", "", "🖼"])
def test_odd_media_types_are_normalised_or_read_from_the_bytes(media_type):
    result = parse_images_response(answer(item(media_type=media_type)))
    assert result.images[0].mime_type == "image/png"


def test_corrupt_base64_is_refused():
    result = parse_images_response(
        answer({"b64_json": "iVBORw0KGgo!!!not*base64***", "media_type": "image/png"})
    )
    assert result.rejected_images == ("its base64 data is corrupt",)


def test_no_data_and_no_usage_is_an_empty_result():
    result = parse_images_response({"created": 1, "data": []})
    assert (result.images, result.rejected_images, result.usage) == ((), (), None)


def test_error_envelope_in_a_200_is_raised_and_not_charged():
    with pytest.raises(ProviderError) as caught:
        parse_images_response({"error": {"code": 502, "message": "Provider returned error"}})
    assert caught.value.status == 502
    assert not caught.value.charged_possibly
    with pytest.raises(RateLimited):
        parse_images_response({"error": {"code": 429, "message": "Rate limit exceeded"}})


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"created": 1},
        {"data": {}},
        {"data": ["x"]},
        {"data": [{"media_type": "image/png"}]},
        {"data": [{"b64_json": 5}]},
        {"data": [{"b64_json": "AAAA", "media_type": 5}]},
        {"data": [], "usage": {"cost": "lots"}},
        {"data": [], "usage": []},
        {"type": "error"},
    ],
)
def test_malformed_answers_raise_the_parsers_error(body):
    with pytest.raises(StreamProtocolError):
        parse_images_response(body)


# Streamed answers


def test_stream_keeps_only_the_completed_image_and_emits_events_in_order():
    final = picture(size=(16, 9))
    previews = picture(size=(2, 2)), picture("WEBP", size=(4, 2))
    stream = stream_of(partial(0, previews[0]), partial(1, previews[1]), completed(final), "[DONE]")

    events, result = decode(stream, chunk_size=11, generation_id="gen-header-2")

    # Previews are progress: an event each, with their bytes, but never among the result's images.
    assert events == [
        PreviewReceived(index=0, data=previews[0], mime_type="image/png"),
        PreviewReceived(index=1, data=previews[1], mime_type="image/webp"),
        ImageReceived(index=0, mime_type="image/png", size_bytes=len(final)),
        Finished(finish_reason="stop"),
        UsageReceived(usage=result.usage),
    ]
    assert [image.data for image in result.images] == [final]
    assert result.usage.cost_usd == Decimal("0.04")
    assert result.generation_id == "gen-header-2"


def test_a_broken_preview_is_skipped_and_the_image_still_arrives():
    broken = {
        "type": "image_generation.partial_image",
        "partial_image_index": 0,
        "b64_json": "@@not base64@@",
    }
    events, result = decode(stream_of(broken, completed(), "[DONE]"))
    assert not any(isinstance(event, PreviewReceived) for event in events)
    assert len(result.images) == 1


def test_a_seed_the_api_echoes_is_kept_with_its_image():
    _, result = decode(stream_of(completed() | {"seed": 1234}, "[DONE]"))
    assert result.images[0].seed == 1234
    assert parse_images_response({"created": 1, "data": [item(None, "image/png")]}).images[0].seed is None


def test_any_split_of_a_stream_gives_the_same_result():
    stream = stream_of(partial(0), completed(), "[DONE]")
    _, whole = decode(stream)
    for cut in range(1, len(stream)):
        decoder = ImageStreamDecoder()
        decoder.feed(stream[:cut])
        decoder.feed(stream[cut:])
        assert decoder.close() == whole


def test_event_lines_and_crlf_are_understood():
    text = f"event: image_generation.completed\r\ndata: {json.dumps(completed())}\r\n\r\ndata: [DONE]\r\n\r\n"
    _, result = decode(text.encode())
    assert len(result.images) == 1


def test_escaped_base64_is_decoded_through_the_json_parser():
    line = json.dumps(completed()).replace("/", "\\/")
    _, result = decode(stream_of(line, "[DONE]"))
    assert result.images[0].data == picture()


def test_b64_json_lookalikes_inside_text_are_left_alone():
    svg_text = {"type": "image_generation.text_chunk", "phase": "content", "text": 'say "b64_json": "AAAA" '}
    _, result = decode(stream_of(svg_text, completed(), "[DONE]"))
    assert len(result.images) == 1


def test_unknown_event_types_are_ignored():
    _, result = decode(stream_of({"type": "image_generation.something_new", "x": 1}, completed(), "[DONE]"))
    assert len(result.images) == 1


@pytest.mark.parametrize(
    ("code", "kind", "error", "status"),
    [
        ("upstream_error", "provider_error", ProviderError, 502),
        (None, "provider_error", ProviderError, 502),
        ("rate_limit_exceeded", None, RateLimited, 429),
        ("invalid_request_error", None, BadRequest, 400),
    ],
)
def test_error_event_first_maps_to_the_typed_error_and_is_not_charged(code, kind, error, status):
    decoder = ImageStreamDecoder()
    assert decoder.feed(stream_of(error_event(code, kind), "[DONE]")) == []
    assert decoder.finished
    assert not decoder.content_started
    with pytest.raises(error) as caught:
        decoder.close()
    assert caught.value.status == status
    assert not caught.value.charged_possibly


def test_error_after_a_preview_counts_as_started_but_is_still_not_charged():
    decoder = ImageStreamDecoder()
    decoder.feed(stream_of(partial(0), error_event(message="Provider disconnected"), "[DONE]"))
    assert decoder.content_started
    with pytest.raises(ProviderError) as caught:
        decoder.close()
    assert not caught.value.charged_possibly
    assert "Provider disconnected" in caught.value.message


def test_stream_that_stops_before_its_end_is_truncated():
    full = stream_of(partial(0), completed(), "[DONE]")
    for cut in (len(full) // 3, len(full) - len(b"data: [DONE]\n\n") - 40):
        with pytest.raises(TruncatedStream) as caught:
            decode(full[:cut])
        assert caught.value.charged_possibly


def test_end_is_proved_by_done_or_by_a_completion_with_usage():
    _, with_usage = decode(stream_of(completed()))
    assert with_usage.images
    with pytest.raises(TruncatedStream):
        decode(stream_of(completed(usage=None)))
    _, with_done = decode(stream_of(completed(usage=None), "[DONE]"))
    assert with_done.images
    _, nothing = decode(stream_of(partial(0), "[DONE]"))
    assert (nothing.images, nothing.finish_reason) == ((), None)


def test_over_long_completed_line_is_dropped_and_reported_but_a_preview_is_not():
    decoder = ImageStreamDecoder(max_image_bytes=30_000)
    decoder.feed(b'data: {"type":"image_generation.partial_image","partial_image_index":0,"b64_json":"')
    for _ in range(10):
        decoder.feed(b"A" * 100_000)
    decoder.feed(b'"}\n\ndata: {"type":"image_generation.completed","b64_json":"')
    for _ in range(10):
        decoder.feed(b"A" * 100_000)
        assert len(decoder._buffer) < 40_000 + 256 * 1024  # never holds the whole line
    decoder.feed(b'","media_type":"image/png"}\n\n' + b"data: [DONE]\n\n")
    result = decoder.close()
    assert result.images == ()
    (reason,) = result.rejected_images
    assert "over Easel's limit" in reason


def test_a_huge_line_is_parsed_in_linear_memory():
    """One more copy than chat (the base64 gets its data: label), still under 3x the base64 size."""
    png = incompressible_png()
    stream = bytearray(stream_of(completed(png), "[DONE]"))

    result, peak = decode_measuring_memory(ImageStreamDecoder(verify_images=False), stream)

    assert result.images[0].data == png
    assert peak < 3 * len(b64(png))


def test_wrong_types_in_events_raise_only_client_errors():
    values = [None, 1, "x", [], {}, {"code": 5}]
    keys = ["type", "b64_json", "media_type", "usage", "error", "data"]
    kinds = ["image_generation.completed", "image_generation.partial_image", "error", None]
    for kind, key, value in itertools.product(kinds, keys, values):
        event = {"type": kind, key: value} if kind else {key: value}
        decoder = ImageStreamDecoder()
        try:
            decoder.feed(stream_of(event, "[DONE]"))
            decoder.close()
        except OpenRouterError:
            pass


# Through the client (MockTransport)


def images_client(script: Script, sleeps, api=None, **options) -> OpenRouterClient:
    return make_client(script, sleeps, api=api or ImagesApi(), **options)


def test_the_client_posts_to_images_and_reads_a_stream(sleeps):
    script = Script(
        streamed(sse_events(partial(0), completed(), "[DONE]"), headers={"x-generation-id": "gen-h"})
    )
    events = []
    with images_client(script, sleeps) as client:
        result = client.generate(REQUEST, on_event=events.append)
    (sent,) = script.requests
    assert sent.url.path == "/api/v1/images"
    assert json.loads(sent.content) == build_images_payload(REQUEST)
    assert result.generation_id == "gen-h"
    assert events[:2] == [RequestSending(attempt=1), Started(generation_id="gen-h", attempt=1)]


def test_a_buffered_answer_to_a_streamed_request_is_read_too(sleeps):
    response = httpx.Response(200, json=answer(item()), headers={"x-generation-id": "gen-b"})
    events = []
    with images_client(Script(response), sleeps) as client:
        result = client.generate(REQUEST, on_event=events.append)
    assert result.images[0].width == 6
    assert Started(generation_id="gen-b", attempt=1) in events


def test_stream_false_is_sent_when_asked(sleeps):
    script = Script(httpx.Response(200, json=answer(item())))
    with images_client(script, sleeps, api=ImagesApi(stream=False)) as client:
        client.generate(REQUEST)
    assert json.loads(script.requests[0].content)["stream"] is False


def test_a_502_is_retried_and_reported_as_not_charged(sleeps):
    script = Script(*[error_response(502, "Provider returned error")] * 3)
    with images_client(script, sleeps) as client, pytest.raises(ProviderError) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 3
    assert not caught.value.charged_possibly


@pytest.mark.parametrize("code", ["upstream_error", "rate_limit_exceeded", "provider_unavailable"])
def test_an_error_event_before_any_preview_is_retried(code, sleeps):
    failing = streamed(sse_events(error_event(code, None), "[DONE]"))
    script = Script(failing, streamed(sse_events(completed(), "[DONE]")))
    with images_client(script, sleeps) as client:
        assert client.generate(REQUEST).images
    assert len(script.requests) == 2


def test_an_error_event_after_a_preview_is_not_retried(sleeps):
    script = Script(
        streamed(sse_events(partial(0), error_event(), "[DONE]")), streamed(sse_events(completed()))
    )
    with images_client(script, sleeps) as client, pytest.raises(ProviderError) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert not caught.value.charged_possibly


def test_empty_data_is_no_image_returned(sleeps):
    client = images_client(Script(httpx.Response(200, json=answer())), sleeps)
    with client, pytest.raises(NoImageReturned) as caught:
        client.generate(REQUEST)
    assert caught.value.charged_possibly


def test_a_refused_image_is_image_rejected(sleeps):
    body = answer(item(b"<svg/>", "image/svg+xml"))
    client = images_client(Script(httpx.Response(200, json=body)), sleeps)
    with client, pytest.raises(ImageRejected, match="it is an SVG"):
        client.generate(REQUEST)


def test_total_deadline_also_bounds_a_buffered_answer(sleeps):
    now = [0.0]
    document = json.dumps(answer(item())).encode()

    class Trickle(httpx.SyncByteStream):
        def __iter__(self):
            for byte in range(len(document)):
                now[0] += 1.0
                yield document[byte : byte + 1]

    response = httpx.Response(200, headers={"content-type": "application/json"}, stream=Trickle())
    client = images_client(Script(response), sleeps, total_timeout=5, clock=lambda: now[0])
    with client, pytest.raises(UpstreamTimeout) as caught:
        client.generate(REQUEST)
    assert now[0] == 5.0
    assert "limit of 5 s" in caught.value.message
    assert caught.value.charged_possibly
