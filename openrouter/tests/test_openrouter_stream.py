"""The SSE decoder and the non-streaming parser, against captured samples and synthetic streams."""

import base64
import contextlib
import io
import itertools
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from openrouter import (
    ContentDelta,
    Finished,
    ImageReceived,
    OpenRouterError,
    ProviderError,
    RateLimited,
    ReasoningDelta,
    StreamDecoder,
    StreamProtocolError,
    TruncatedStream,
    UsageReceived,
    parse_completion,
)

SAMPLES = Path(__file__).parent / "samples"


def png(width: int = 8, height: int = 6, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def chunk(delta=None, *, finish=None, native=None, usage=None, error=None, choices=True, gen_id="gen-1-abc"):
    payload = {"id": gen_id, "object": "chat.completion.chunk", "created": 1, "model": "m/x", "provider": "P"}
    if error is not None:
        payload["error"] = error
    if choices:
        payload["choices"] = [
            {"index": 0, "delta": delta or {}, "finish_reason": finish, "native_finish_reason": native}
        ]
    else:
        payload["choices"] = []
    if usage is not None:
        payload["usage"] = usage
    return payload


def sse(*events, newline: str = "\n", comments: int = 0) -> bytes:
    lines = [": OPENROUTER PROCESSING" + newline + newline] * comments
    for event in events:
        text = event if isinstance(event, str) else json.dumps(event)
        lines.append(f"data: {text}{newline}{newline}")
    return "".join(lines).encode()


FINISH = chunk({"content": "", "role": "assistant"}, finish="stop", native="STOP")
USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 1290,
    "total_tokens": 1302,
    "cost": 0.0387036,
    "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 1290},
}
USAGE_CHUNK = chunk({"content": "", "role": "assistant"}, finish="stop", native="STOP", usage=USAGE)


def image_chunk(*urls: str):
    images = [{"type": "image_url", "image_url": {"url": url}, "index": i} for i, url in enumerate(urls)]
    return chunk({"role": "assistant", "content": "", "images": images})


def decode(data: bytes, chunk_size: int | None = None, *, decoder_class=StreamDecoder, **options):
    decoder = decoder_class(**options)
    events = []
    step = chunk_size or max(len(data), 1)
    for start in range(0, len(data), step):
        events += decoder.feed(data[start : start + step])
    return events, decoder.close()


# Captured samples


def test_streamed_text_sample_parses_with_the_repeated_finish_and_usage():
    raw = (SAMPLES / "03-chat-stream-text-gpt-4o-mini.sse").read_bytes()

    events, result = decode(raw, chunk_size=13)

    assert result.text == "Hello, how are you?"
    assert result.generation_id == "gen-1783514921-TROS1tEcjn0rUb5bt99Q"
    assert (result.model, result.provider) == ("openai/gpt-4o-mini", "OpenAI")
    assert (result.finish_reason, result.native_finish_reason) == ("stop", "stop")
    assert result.usage.cost_usd == Decimal("0.0000057915")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (
        15,
        6,
        21,
    )
    assert result.images == ()
    texts = [e.text for e in events if isinstance(e, ContentDelta)]
    assert texts == ["Hello", ",", " how", " are", " you", "?"]
    # The finish appears twice on the wire, once as an event.
    assert [type(e) for e in events[-2:]] == [Finished, UsageReceived]
    assert sum(isinstance(e, Finished) for e in events) == 1


TEXT_TO_IMAGE = "01-chat-nonstream-text-to-image-gemini-2.5-flash-image.json"
IMAGE_EDIT = "02-chat-nonstream-image-edit-gemini-2.5-flash-image.json"


@pytest.mark.parametrize(
    ("name", "generation_id", "prompt_tokens", "cost"),
    [
        (TEXT_TO_IMAGE, "gen-1764926649-tF4W3t4FuuPsXb0VBWLB", 12, "0.0387036"),
        (IMAGE_EDIT, "gen-1765087075-fmNq6ct9nLcvNbq6OCh9", 278, "0.0387834"),
    ],
)
def test_non_streaming_samples_parse_into_the_same_result_type(name, generation_id, prompt_tokens, cost):
    result = parse_completion(json.loads((SAMPLES / name).read_text()))

    assert result.generation_id == generation_id
    assert result.provider == "Google AI Studio"
    assert result.native_finish_reason == "STOP"
    assert len(result.images) == 1
    image = result.images[0]
    assert (image.width, image.height, image.format, image.mime_type) == (1, 1, "PNG", "image/png")
    assert image.data.startswith(b"\x89PNG")
    assert result.usage.prompt_tokens == prompt_tokens
    assert result.usage.image_tokens == 1290
    assert result.usage.cost_usd == Decimal(cost)


def test_non_streaming_error_inside_a_200_is_raised():
    body = {
        "id": "gen-1",
        "choices": [
            {
                "index": 0,
                "finish_reason": "error",
                "message": {"role": "assistant", "content": "partial"},
                "error": {
                    "code": 502,
                    "message": "Provider returned error",
                    "metadata": {"error_type": "server"},
                },
            }
        ],
    }
    with pytest.raises(ProviderError) as caught:
        parse_completion(body)
    assert caught.value.status == 502
    assert caught.value.charged_possibly  # content had come back


def test_non_streaming_error_envelope_is_raised():
    with pytest.raises(RateLimited):
        parse_completion({"error": {"code": 429, "message": "Rate limit exceeded"}})


# Synthetic streams


def test_image_stream_yields_events_in_order_and_the_image_bytes():
    picture = png(30, 20)
    stream = sse(
        chunk({"role": "assistant", "content": "", "reasoning": "Thinking"}),
        chunk({"content": "Here", "role": "assistant"}),
        image_chunk(data_url(picture)),
        FINISH,
        USAGE_CHUNK,
        "[DONE]",
        comments=3,
    )

    events, result = decode(stream, chunk_size=7)

    assert events == [
        ReasoningDelta(text="Thinking"),
        ContentDelta(text="Here"),
        ImageReceived(index=0, mime_type="image/png", size_bytes=len(picture)),
        Finished(finish_reason="stop"),
        UsageReceived(usage=result.usage),
    ]
    assert result.images[0].data == picture
    assert (result.images[0].width, result.images[0].height) == (30, 20)
    assert result.reasoning == "Thinking"
    assert result.usage.cost_usd == Decimal("0.0387036")


def test_several_images_in_one_chunk_or_several():
    first, second, third = png(colour="red"), png(colour="blue"), png(colour="green")
    stream = sse(image_chunk(data_url(first), data_url(second)), image_chunk(data_url(third)), USAGE_CHUNK)

    _, result = decode(stream)

    assert [image.data for image in result.images] == [first, second, third]
    assert [image.index for image in result.images] == [0, 1, 2]


def test_usage_chunk_with_empty_choices_is_accepted():
    stream = sse(image_chunk(data_url(png())), FINISH, chunk(choices=False, usage=USAGE), "[DONE]")
    _, result = decode(stream)
    assert result.usage.image_tokens == 1290
    assert result.finish_reason == "stop"


def test_crlf_line_endings_even_split_between_cr_and_lf():
    stream = sse(image_chunk(data_url(png())), FINISH, USAGE_CHUNK, "[DONE]", newline="\r\n", comments=2)
    for split in range(1, len(stream)):
        if stream[split - 1 : split] == b"\r":
            decoder = StreamDecoder()
            events = decoder.feed(stream[:split]) + decoder.feed(stream[split:])
            assert len(decoder.close().images) == 1
            assert len(events) == 3


def test_a_rejected_image_is_recorded_not_raised():
    stream = sse(image_chunk(data_url(b"<svg/>", "image/svg+xml"), data_url(png())), USAGE_CHUNK)
    events, result = decode(stream)
    assert len(result.images) == 1
    assert result.images[0].index == 1
    assert result.rejected_images == (
        "it is an SVG (image/svg+xml), which Easel does not accept: only PNG, JPEG and WebP are kept",
    )
    assert [e.index for e in events if isinstance(e, ImageReceived)] == [1]


def test_escaped_data_url_is_decoded_through_the_json_parser():
    picture = png()
    line = json.dumps(image_chunk(data_url(picture))).replace("/", "\\/")
    _, result = decode(sse(line, USAGE_CHUNK))
    assert result.images[0].data == picture


def test_data_url_lookalikes_inside_text_are_left_alone():
    # JSON escapes these quotes (\\"data:...\\"), and a backslash before "data: must not be taken
    # for the end of a string.
    tricky = 'He wrote "data:image/png;base64,AAAA" and \\"data:x" and "data: [DONE]"'
    ending = 'and this text ends with "data:abc'
    _, result = decode(sse(chunk({"content": tricky}), chunk({"content": ending}), USAGE_CHUNK))
    assert result.text == tricky + ending


@pytest.mark.parametrize("code", [502, "502", "provider_unavailable", "server_error"])
def test_error_chunk_as_first_and_only_event(code):
    error = {"code": code, "message": "Provider returned error"}
    stream = sse(chunk({"content": ""}, finish="error", error=error))
    decoder = StreamDecoder()
    assert decoder.feed(stream) == []
    assert decoder.finished
    assert not decoder.content_started
    with pytest.raises(ProviderError) as caught:
        decoder.close()
    assert not caught.value.charged_possibly
    assert caught.value.status in (500, 502, 503)


def test_rate_limit_error_chunk_maps_to_rate_limited():
    error = {"code": "rate_limit_exceeded", "message": "Rate limit exceeded"}
    with pytest.raises(RateLimited):
        decode(sse(chunk({"content": ""}, finish="error", error=error)))


def test_error_after_content_may_have_been_charged():
    error = {"code": 502, "message": "Provider disconnected unexpectedly"}
    stream = sse(chunk({"content": "Drawing"}), chunk({"content": ""}, finish="error", error=error))
    with pytest.raises(ProviderError) as caught:
        decode(stream)
    assert caught.value.charged_possibly
    assert "Provider disconnected unexpectedly" in caught.value.message


def test_stream_without_a_finish_is_truncated_and_keeps_nothing():
    full = sse(image_chunk(data_url(png())), FINISH, USAGE_CHUNK, "[DONE]")
    image_line_end = full.index(b"\n\n") + 2
    for cut in (image_line_end // 2, image_line_end, len(full) - len(b"data: [DONE]\n\n") - 40):
        with pytest.raises(TruncatedStream) as caught:
            decode(full[:cut])
        assert caught.value.charged_possibly
        assert caught.value.kind == "truncated"


def test_finish_needs_usage_or_done():
    with pytest.raises(TruncatedStream):
        decode(sse(image_chunk(data_url(png())), FINISH))
    _, with_usage = decode(sse(image_chunk(data_url(png())), USAGE_CHUNK))
    _, with_done = decode(sse(image_chunk(data_url(png())), FINISH, "[DONE]"))
    assert with_usage.images
    assert with_done.images


@pytest.mark.parametrize(
    "stream",
    [
        b"data: {not json}\n\n",
        b"data: [1, 2]\n\n",
        b'data: {"choices": {}}\n\n',
        b'data: {"choices": [{"delta": {"content": 5}}]}\n\n',
        b'data: {"choices": [{"delta": {"images": [{"image_url": {"url": 5}}]}}]}\n\n',
        b'data: {"choices": [{"delta": {"images": "x"}}]}\n\n',
        b'data: {"usage": {"prompt_tokens": "many"}}\n\n',
        b'data: {"usage": {"cost": NaN}}\n\n',
        b'data: {"usage": {"cost": true}}\n\n',
        b'data: {"id": "\xff\xfe"}\n\n',
        b"<html>Bad gateway</html>\n",
        b"data: " + b"[" * 100_000 + b"\n",
    ],
)
def test_malformed_input_raises_only_the_parsers_error(stream):
    with pytest.raises(StreamProtocolError):
        decode(stream)


def test_over_long_image_line_is_dropped_while_streaming_and_reported():
    prefix = b'data: {"choices":[{"index":0,"delta":{"images":[{"image_url":{"url":"data:image/png;base64,'
    decoder = StreamDecoder(max_image_bytes=30_000)
    decoder.feed(prefix)
    for _ in range(100):
        decoder.feed(b"A" * 10_000)
        assert len(decoder._buffer) < 60_000 + 256 * 1024  # never holds the whole line
    decoder.feed(b'"}}]}}]}\n\n' + sse(USAGE_CHUNK, "[DONE]"))
    result = decoder.close()
    assert result.images == ()
    assert "over Easel's limit" in result.rejected_images[0]


def incompressible_png() -> bytes:
    """A 1400x1400 PNG that barely compresses: about 2.6 MB of base64, like a real 1K image."""
    noise = Image.frombytes("L", (1400, 1400), bytes(i * 7919 % 251 for i in range(1400 * 1400)))
    picture = io.BytesIO()
    noise.save(picture, "PNG", compress_level=0)
    return picture.getvalue()


def decode_measuring_memory(decoder, stream: bytearray):
    """Feed `stream` (emptied first, so it is not counted) in 64 KiB pieces: (result, peak traced bytes)."""
    pieces = [bytes(stream[i : i + 65536]) for i in range(0, len(stream), 65536)]
    stream.clear()
    tracemalloc.start()
    for piece in pieces:
        decoder.feed(piece)
    result = decoder.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak


def test_a_huge_line_is_parsed_in_linear_memory():
    """Peak extra memory stays under 3x the base64 size (the benchmark measures 1K-4K)."""
    picture = incompressible_png()
    url = data_url(picture)
    stream = bytearray(sse(image_chunk(url), USAGE_CHUNK, "[DONE]"))

    result, peak = decode_measuring_memory(StreamDecoder(verify_images=False), stream)

    assert result.images[0].data == picture
    assert peak < 3 * (len(url) - len("data:image/png;base64,"))


# Properties


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def _run(pieces: list[bytes]):
    decoder = StreamDecoder()
    events = []
    for piece in pieces:
        events += decoder.feed(piece)
    try:
        return events, decoder.close()
    except OpenRouterError as error:
        return events, (type(error), error.message)


SMALL_IMAGES = [data_url(png(3, 2, "red")), data_url(png(5, 4, "blue")), data_url(b"<svg/>", "image/svg+xml")]

stream_parts = st.lists(
    st.one_of(
        st.builds(lambda: ": OPENROUTER PROCESSING"),
        st.text(max_size=20).map(lambda t: chunk({"content": t, "role": "assistant"})),
        st.text(min_size=1, max_size=20).map(lambda t: chunk({"reasoning": t})),
        st.lists(st.sampled_from(SMALL_IMAGES), min_size=1, max_size=2).map(lambda urls: image_chunk(*urls)),
        st.just('data:image/png;base64,"quoted"').map(lambda t: chunk({"content": t})),
    ),
    max_size=8,
)


def _build_stream(parts, crlf: bool, ending: int) -> bytes:
    newline = "\r\n" if crlf else "\n"
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(f"{part}{newline}{newline}")
        else:
            out.append(f"data: {json.dumps(part)}{newline}{newline}")
    tail = [FINISH, USAGE_CHUNK, "[DONE]"][:ending]
    for event in tail:
        text = event if isinstance(event, str) else json.dumps(event)
        out.append(f"data: {text}{newline}{newline}")
    return "".join(out).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=stream_parts, crlf=st.booleans(), ending=st.integers(0, 3), cuts=st.lists(st.integers(0, 10**6)))
def test_any_split_of_a_stream_gives_the_same_events_and_result(parts, crlf, ending, cuts):
    stream = _build_stream(parts, crlf, ending)
    assert _run(_split(stream, cuts)) == _run([stream])


@pytest.fixture(scope="module")
def standin_stream(standin) -> bytes:
    """The raw bytes of a real stand-in stream: reasoning, text and two images."""
    body = {
        "model": "google/gemini-3-pro-image-preview",
        "messages": [{"role": "user", "content": "a violet star [fault:two-images]"}],
        "modalities": ["image", "text"],
        "image_config": {"aspect_ratio": "1:1"},
        "stream": True,
    }
    response = httpx.post(
        f"{standin.base_url}/chat/completions", json=body, headers={"Authorization": "Bearer sk-or-v1-x"}
    )
    assert response.status_code == 200
    return response.content


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(0, 10**7), max_size=12))
def test_any_split_of_a_standin_stream_gives_the_same_result(standin_stream, cuts):
    events, result = _run(_split(standin_stream, cuts))
    assert (events, result) == _run([standin_stream])
    assert len(result.images) == 2
    assert [type(e) for e in events] == [
        ReasoningDelta, ReasoningDelta, ContentDelta, ContentDelta, ImageReceived, ImageReceived, Finished,
        UsageReceived,
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), cuts=st.lists(st.integers(0, 600), max_size=6))
def test_random_bytes_raise_only_the_parsers_error(data, cuts):
    decoder = StreamDecoder()
    try:
        for piece in _split(data, cuts):
            decoder.feed(piece)
        decoder.close()
    except StreamProtocolError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
chunk_keys = st.sampled_from(["id", "model", "provider", "choices", "usage", "error"])
choice_like = st.fixed_dictionaries(
    {},
    optional={
        "delta": st.dictionaries(st.sampled_from(["content", "reasoning", "images", "role"]), json_values),
        "finish_reason": json_values,
        "error": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.dictionaries(chunk_keys, json_values) | st.builds(lambda c: {"choices": [c]}, choice_like),
        max_size=4,
    )
)
def test_wrong_types_in_events_raise_only_client_errors(events):
    decoder = StreamDecoder()
    try:
        decoder.feed(sse(*events))
        decoder.close()
    except OpenRouterError:
        pass
    with contextlib.suppress(OpenRouterError):
        parse_completion(events[0] if events else {})
