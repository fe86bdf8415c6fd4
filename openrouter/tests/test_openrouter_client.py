"""The client's retry, timeout and error rules, with httpx.MockTransport standing in for the network."""

import base64
import email.utils
import io
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from PIL import Image

from openrouter import (
    BytesReceived,
    ImageRequest,
    NetworkError,
    OpenRouterClient,
    OpenRouterError,
    OutcomeUnknown,
    OutOfCredits,
    ProviderError,
    RateLimited,
    ReferenceImage,
    RequestSending,
    Retrying,
    Started,
    TruncatedStream,
    UpstreamTimeout,
    build_chat_payload,
    parse_retry_after,
)
from openrouter.tests.standin_fixtures import TEST_API_KEY, SleepRecorder

REQUEST = ImageRequest(
    model="google/gemini-2.5-flash-image", prompt="a cat", output_modalities=("image", "text")
)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def sse_events(*events) -> list[bytes]:
    return [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events]


def image_stream() -> list[bytes]:
    url = "data:image/png;base64," + base64.b64encode(png()).decode()
    image = {"id": "gen-9-x", "choices": [{"index": 0, "delta": {"images": [{"image_url": {"url": url}}]}}]}
    finish = {
        "id": "gen-9-x",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": {"cost": 1},
    }
    return [b": OPENROUTER PROCESSING\n\n", *sse_events(image, finish, "[DONE]")]


class ChunkStream(httpx.SyncByteStream):
    """A response body that yields chunks, then raises `error` if given."""

    def __init__(self, chunks: list[bytes], error: Exception | None = None) -> None:
        self.chunks = chunks
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.error is not None:
            raise self.error


def streamed(chunks: list[bytes], error: Exception | None = None, headers=None) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream", **(headers or {})},
        stream=ChunkStream(chunks, error),
    )


def error_response(status: int, message: str = "Nope", headers=None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": status, "message": message}}, headers=headers or {})


class Script:
    """A MockTransport handler that answers each call with the next scripted response or exception."""

    def __init__(
        self, *steps: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step(request) if callable(step) and not isinstance(step, httpx.Response) else step


def make_client(script: Script, sleeps: SleepRecorder, **options) -> OpenRouterClient:
    return OpenRouterClient(
        api_key=TEST_API_KEY,
        base_url="https://openrouter.test/api/v1",
        transport=httpx.MockTransport(script),
        sleep=sleeps,
        jitter=lambda: 0.0,
        **options,
    )


def test_payload_is_exactly_as_documented():
    request = ImageRequest(
        model="google/gemini-3-pro-image-preview",
        prompt="Make it watercolor",
        output_modalities=("image", "text"),
        aspect_ratio="16:9",
        image_size="4K",
        reference_images=(ReferenceImage(data=b"\x89PNG-ish", mime_type="image/png"),),
        max_tokens=4000,
    )
    assert build_chat_payload(request) == {
        "model": "google/gemini-3-pro-image-preview",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Make it watercolor"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORy1pc2g="}},
                ],
            }
        ],
        "modalities": ["image", "text"],
        "max_tokens": 4000,
        "stream": True,
        "image_config": {"aspect_ratio": "16:9", "image_size": "4K"},
    }
    image_only = ImageRequest(
        model="black-forest-labs/flux.2-pro", prompt="cat", output_modalities=("image",)
    )
    payload = build_chat_payload(image_only)
    assert payload["modalities"] == ["image"]
    assert payload["messages"] == [{"role": "user", "content": "cat"}]
    assert "image_config" not in payload
    assert payload["max_tokens"] == 8192


def test_invalid_requests_are_refused_before_sending():
    with pytest.raises(ValueError, match="does not output images"):
        ImageRequest(model="openai/gpt-4o-mini", prompt="x", output_modalities=("text",))
    with pytest.raises(ValueError, match="prompt is empty"):
        ImageRequest(model="m", prompt="  ", output_modalities=("image",))
    with pytest.raises(ValueError, match="not one OpenRouter accepts"):
        ReferenceImage(data=b"<svg/>", mime_type="image/svg+xml")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after": "0"}, None),
        ({"retry-after": "-10"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "1e999"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date():
    when = email.utils.format_datetime(email.utils.localtime().replace(microsecond=0), usegmt=False)
    now = email.utils.parsedate_to_datetime(when).timestamp()
    assert parse_retry_after({"retry-after": when}, now=now - 30) == pytest.approx(30)


def test_connection_refused_then_success_retries_with_backoff(sleeps):
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"), streamed(image_stream()))
    events = []
    with make_client(script, sleeps) as client:
        result = client.generate(REQUEST, on_event=events.append)
    assert len(script.requests) == 2
    assert sleeps.calls == [0.5]
    assert len(result.images) == 1
    assert events[:3] == [
        RequestSending(attempt=1),
        Retrying(attempt=2, delay_seconds=0.5, reason=events[1].reason),
        RequestSending(attempt=2),
    ]
    assert "Could not connect to OpenRouter" in events[1].reason


def test_a_real_refused_connection_is_retried_then_reported(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    with (
        OpenRouterClient(
            api_key=TEST_API_KEY, base_url=f"http://127.0.0.1:{port}/api/v1", sleep=sleeps, jitter=lambda: 1.0
        ) as client,
        pytest.raises(NetworkError) as caught,
    ):
        client.generate(REQUEST)
    assert sleeps.calls == [0.375, 0.75]  # min(0.5 * 2**n, 8) * (1 - 0.25 * jitter)
    assert not caught.value.charged_possibly


def test_backoff_is_capped(sleeps):
    script = Script(*[httpx.ConnectError("refused")] * 6)
    with make_client(script, sleeps, max_attempts=6, backoff_cap=2.0) as client, pytest.raises(NetworkError):
        client.generate(REQUEST)
    assert sleeps.calls == [0.5, 1.0, 2.0, 2.0, 2.0]


def test_retry_after_ms_is_honoured(sleeps):
    script = Script(error_response(429, headers={"retry-after-ms": "1500"}), streamed(image_stream()))
    with make_client(script, sleeps) as client:
        client.generate(REQUEST)
    assert sleeps.calls == [1.5]


def test_retry_after_http_date_is_honoured(sleeps):
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    script = Script(error_response(503, headers={"retry-after": when}), streamed(image_stream()))
    with make_client(script, sleeps) as client:
        client.generate(REQUEST)
    assert len(sleeps.calls) == 1
    assert 3.5 <= sleeps.calls[0] <= 5.0


def test_retry_after_over_the_cap_fails_at_once_saying_when(sleeps):
    script = Script(error_response(429, headers={"retry-after": "90"}))
    with make_client(script, sleeps, retry_after_cap=60) as client, pytest.raises(RateLimited) as caught:
        client.generate(REQUEST)
    assert sleeps.calls == []
    assert len(script.requests) == 1
    assert caught.value.retry_after == 90
    assert "try again in 90 s" in caught.value.message


def test_402_without_retry_after_is_not_retried(sleeps):
    script = Script(error_response(402, "Insufficient credits"))
    with make_client(script, sleeps) as client, pytest.raises(OutOfCredits) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert "out of credits" in caught.value.message


def test_402_with_retry_after_waits_and_retries(sleeps):
    script = Script(error_response(402, headers={"retry-after": "2"}), streamed(image_stream()))
    with make_client(script, sleeps) as client:
        client.generate(REQUEST)
    assert len(script.requests) == 2
    assert sleeps.calls == [2.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_sent_once(status, sleeps):
    script = Script(error_response(status))
    with make_client(script, sleeps) as client, pytest.raises(OpenRouterError) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert caught.value.status == status


def test_read_timeout_after_content_began_is_reported_not_retried(sleeps):
    first = image_stream()[1]  # the image arrived, then the connection went quiet
    script = Script(streamed([first], httpx.ReadTimeout("timed out")), streamed(image_stream()))
    with make_client(script, sleeps) as client, pytest.raises(UpstreamTimeout) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert caught.value.charged_possibly
    assert sleeps.calls == []


def test_read_timeout_waiting_for_the_answer_is_not_retried(sleeps):
    script = Script(httpx.ReadTimeout("timed out"), streamed(image_stream()))
    with make_client(script, sleeps) as client, pytest.raises(UpstreamTimeout) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert caught.value.charged_possibly


def test_connection_lost_after_sending_is_outcome_unknown(sleeps):
    script = Script(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    with make_client(script, sleeps) as client, pytest.raises(OutcomeUnknown) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert caught.value.kind == "outcome_unknown"
    assert caught.value.charged_possibly


def test_reset_mid_stream_is_truncated(sleeps):
    script = Script(streamed([b": OPENROUTER PROCESSING\n\n"], httpx.ReadError("Connection reset by peer")))
    with make_client(script, sleeps) as client, pytest.raises(TruncatedStream) as caught:
        client.generate(REQUEST)
    assert caught.value.kind == "truncated"
    assert len(script.requests) == 1


def early_error(code) -> list[bytes]:
    return sse_events({"id": "gen-1", "error": {"code": code, "message": "busy"}, "choices": [
        {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]})  # fmt: skip


@pytest.mark.parametrize("code", [429, 502, 503, "rate_limit_exceeded", "provider_unavailable"])
def test_error_chunk_before_any_content_is_retried(code, sleeps):
    script = Script(streamed(early_error(code)), streamed(image_stream()))
    with make_client(script, sleeps) as client:
        result = client.generate(REQUEST)
    assert len(script.requests) == 2
    assert len(result.images) == 1


@pytest.mark.parametrize("code", [500, "server_error", 400])
def test_error_chunk_with_other_codes_is_not_retried(code, sleeps):
    script = Script(streamed(early_error(code)), streamed(image_stream()))
    with make_client(script, sleeps) as client, pytest.raises(Exception):  # noqa: PT011
        client.generate(REQUEST)
    assert len(script.requests) == 1


def test_error_chunk_after_content_is_not_retried(sleeps):
    content = sse_events({"id": "gen-1", "choices": [{"index": 0, "delta": {"reasoning": "Drawing"}}]})
    script = Script(streamed(content + early_error(502)), streamed(image_stream()))
    with make_client(script, sleeps) as client, pytest.raises(ProviderError) as caught:
        client.generate(REQUEST)
    assert len(script.requests) == 1
    assert caught.value.charged_possibly


def test_no_retry_would_outlast_the_total_deadline(sleeps):
    now = [0.0]
    script = Script(error_response(503, headers={"retry-after": "20"}), streamed(image_stream()))
    client = make_client(script, sleeps, total_timeout=10, clock=lambda: now[0])
    with client, pytest.raises(ProviderError) as caught:
        client.generate(REQUEST)
    assert sleeps.calls == []
    assert "try again in 20 s" in caught.value.message


def test_total_deadline_is_checked_while_streaming(sleeps):
    now = [0.0]

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            now[0] += 1.0
            yield b": OPENROUTER PROCESSING\n\n"

    class Slow(httpx.SyncByteStream):
        def __iter__(self):
            return chunks()

    script = Script(httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Slow()))
    client = make_client(script, sleeps, total_timeout=5, clock=lambda: now[0])
    with client, pytest.raises(UpstreamTimeout) as caught:
        client.generate(REQUEST)
    assert now[0] == 5.0
    assert "limit of 5 s" in caught.value.message


def test_events_carry_the_generation_id_and_byte_counts(sleeps):
    chunks = image_stream()
    script = Script(streamed(chunks, headers={"x-generation-id": "gen-header-1"}))
    events = []
    with make_client(script, sleeps) as client:
        client.generate(REQUEST, on_event=events.append)
    assert events[1] == Started(generation_id="gen-header-1", attempt=1)
    totals = [e.total_bytes for e in events if isinstance(e, BytesReceived)]
    assert totals == [sum(len(c) for c in chunks[: i + 1]) for i in range(len(chunks))]


def test_without_the_header_the_id_comes_from_the_first_chunk(sleeps):
    events = []
    with make_client(Script(streamed(image_stream())), sleeps) as client:
        client.generate(REQUEST, on_event=events.append)
    assert Started(generation_id="gen-9-x", attempt=1) in events


def test_a_json_answer_to_a_streamed_request_is_still_understood(sleeps):
    url = "data:image/png;base64," + base64.b64encode(png()).decode()
    body = {
        "id": "gen-2-y",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"images": [{"image_url": {"url": url}}]}}
        ],
    }
    with make_client(Script(httpx.Response(200, json=body)), sleeps) as client:
        result = client.generate(REQUEST)
    assert result.generation_id == "gen-2-y"
    assert result.images[0].width == 4


def test_the_key_is_redacted_from_errors_and_logs(sleeps, caplog):
    echo = f"Invalid key {TEST_API_KEY} for this account"
    stream_echo = sse_events({"id": "g", "error": {"code": 400, "message": echo}, "choices": []})
    script = Script(
        error_response(401, echo),
        error_response(429, echo, headers={"retry-after": "1"}),
        streamed(stream_echo),
    )
    caplog.set_level(logging.DEBUG)
    errors = []
    with make_client(script, sleeps) as client:
        for _ in range(2):
            try:
                client.generate(REQUEST)
            except Exception as error:
                errors.append(error)
    assert [type(e).__name__ for e in errors] == ["BadKey", "BadRequest"]
    for error in errors:
        for text in (str(error), repr(error), error.message, error.upstream_message or "", *error.args):
            assert TEST_API_KEY not in text
    assert "[redacted key]" in errors[1].upstream_message
    assert caplog.records
    for record in caplog.records:
        assert TEST_API_KEY not in record.getMessage()
    assert TEST_API_KEY not in repr(make_client(Script(), sleeps))
