"""The client against the real stand-in over real HTTP: success paths and every fault marker.

Where both wire formats are meant to behave the same, a test runs for each way the client can
reach the stand-in (the `api` fixture): chat completions, the Image API streamed, and the Image API
buffered (what OpenRouter answers for providers without native streaming, most of them).
"""

import base64
import io
import logging
from dataclasses import dataclass
from decimal import Decimal

import pytest
from PIL import Image

from openrouter import (
    BadKey,
    BadRequest,
    BytesReceived,
    ContentDelta,
    Finished,
    ImageReceived,
    ImageRejected,
    ImageRequest,
    ImagesApi,
    Moderation,
    NoEndpoint,
    NoImageReturned,
    OpenRouterClient,
    OpenRouterError,
    OutOfCredits,
    PreviewReceived,
    ProviderError,
    RateLimited,
    ReasoningDelta,
    ReferenceImage,
    RequestSending,
    Retrying,
    Started,
    TooLarge,
    TruncatedStream,
    UpstreamTimeout,
    UsageReceived,
)
from openrouter.standin import StandinServer
from openrouter.tests.standin_fixtures import TEST_API_KEY, make_standin_client

GEMINI = "google/gemini-2.5-flash-image"
GEMINI_PRO = "google/gemini-3-pro-image-preview"
FLUX = "black-forest-labs/flux.2-pro"
KLEIN = "black-forest-labs/flux.2-klein-4b"
GPT_IMAGE = "openai/gpt-image-1"  # the stand-in's one model that streams previews
IMAGE_AND_TEXT = ("image", "text")
IMAGE_ONLY = ("image",)


def request(prompt: str, model: str = FLUX, output_modalities=IMAGE_ONLY, **options) -> ImageRequest:
    return ImageRequest(model=model, prompt=prompt, output_modalities=output_modalities, **options)


@dataclass(frozen=True)
class Api:
    name: str
    client_api: str | ImagesApi
    # False: the answer arrives as one JSON document, so no per-image events and no keep-alives.
    streamed: bool


APIS = [
    Api("chat", "chat", streamed=True),
    Api("images", ImagesApi(), streamed=True),
    Api("images-buffered", ImagesApi(stream=False), streamed=False),
]
IMAGE_APIS = APIS[1:]


@pytest.fixture(params=APIS, ids=lambda api: api.name)
def api(request) -> Api:
    return request.param


@pytest.fixture(params=[api for api in APIS if api.streamed], ids=lambda api: api.name)
def streamed_api(request) -> Api:
    return request.param


@pytest.fixture
def api_client(standin, sleeps, api):
    """Like `standin_client`, for each API."""
    with make_standin_client(standin, sleeps, api=api.client_api) as client:
        yield client


def client_for(standin, sleeps=None, **options) -> OpenRouterClient:
    settings = {
        "api_key": TEST_API_KEY,
        "base_url": standin.base_url,
        "connect_timeout": 2,
        "total_timeout": 30,
    }
    if sleeps is not None:
        settings["sleep"] = sleeps
    return OpenRouterClient(**settings | options)


# Success paths


def test_image_and_text_model_returns_image_text_and_cost(standin, standin_client, tag):
    result = standin_client.generate(request(f"a red fox {tag}", GEMINI, IMAGE_AND_TEXT))

    (image,) = result.images
    assert (image.width, image.height, image.format, image.mime_type) == (1024, 1024, "PNG", "image/png")
    assert Image.open(io.BytesIO(image.data)).size == (1024, 1024)
    assert result.text == "Here is your image."
    assert result.model == GEMINI
    assert result.provider == "Google AI Studio"
    assert (result.finish_reason, result.native_finish_reason) == ("stop", "STOP")
    assert result.generation_id.startswith("gen-")
    assert result.usage.image_tokens == 1290
    # 1290 image tokens at $0.00003, plus a few prompt and text tokens.
    assert Decimal("0.0387") < result.usage.cost_usd < Decimal("0.0388")

    (logged,) = standin.requests_for(tag)
    body = logged["body"]
    assert body["model"] == GEMINI
    assert body["modalities"] == ["image", "text"]
    assert body["messages"] == [{"role": "user", "content": f"a red fox {tag}"}]
    assert body["stream"] is True
    assert body["max_tokens"] == 8192
    assert "image_config" not in body


def test_every_api_hands_each_images_decoded_pixels_to_derive_once(standin, sleeps, api, tag):
    seen = []

    def derive(picture: Image.Image):
        seen.append(picture.size)
        return ("derived", picture.getpixel((512, 512)))

    with make_standin_client(standin, sleeps, api=api.client_api, derive=derive) as client:
        result = client.generate(request(f"two foxes {tag} [fault:two-images]", GEMINI, IMAGE_AND_TEXT))

    assert len(result.images) == 2
    assert seen == [(1024, 1024)] * 2
    for image in result.images:
        with Image.open(io.BytesIO(image.data)) as picture:
            assert image.derived == ("derived", picture.convert("RGB").getpixel((512, 512)))


def test_every_api_returns_the_same_checked_image_and_cost(standin, api_client, api, tag):
    result = api_client.generate(request(f"a red fox {tag}", GEMINI, IMAGE_AND_TEXT))

    (image,) = result.images
    assert (image.width, image.height, image.format, image.mime_type) == (1024, 1024, "PNG", "image/png")
    assert Image.open(io.BytesIO(image.data)).size == (1024, 1024)
    assert result.generation_id.startswith("gen-")
    assert result.usage.image_tokens == 1290
    # Chat bills 1290 image tokens at $0.00003 plus a few text tokens; the Image API its $0.0387 an image.
    assert Decimal("0.0387") <= result.usage.cost_usd < Decimal("0.0388")
    assert standin.charges_for(tag) == [standin.charged_for(result.generation_id)]
    (logged,) = standin.requests_for(tag)
    assert logged["path"] == ("/chat/completions" if api.name == "chat" else "/images")


def test_image_api_body_is_as_documented(standin, sleeps, tag):
    with make_standin_client(standin, sleeps, api="images") as client:
        result = client.generate(
            request(f"a red fox {tag}", GEMINI_PRO, IMAGE_AND_TEXT, aspect_ratio="16:9", image_size="2K",
                    seed=7, provider_only=("google-vertex",))
        )  # fmt: skip
    (logged,) = standin.requests_for(tag)
    assert logged["body"] == {
        "model": GEMINI_PRO,
        "prompt": f"a red fox {tag}",
        "n": 1,
        "stream": True,
        "aspect_ratio": "16:9",
        "resolution": "2K",
        "seed": 7,
        "provider": {"only": ["google-vertex"], "allow_fallbacks": False},
    }
    assert result.images[0].seed == 7, "the stand-in echoes the seed it drew with"
    assert standin.generation(result.generation_id).provider_name == "Google Vertex"


def test_headers_are_sent_and_the_key_is_bearer(standin, api_client, tag):
    api_client.generate(request(tag))
    headers = {name.lower(): value for name, value in standin.requests_for(tag)[0]["headers"].items()}
    assert headers["authorization"] == "Bearer ***"  # the stand-in hides the value it got
    assert headers["http-referer"] == "https://easel.example"
    assert headers["x-openrouter-title"] == "Easel"
    assert headers["x-title"] == "Easel"
    assert headers["content-type"] == "application/json"


def test_image_only_model_is_asked_for_images_only(standin, standin_client, tag):
    result = standin_client.generate(request(f"a green tree {tag}", KLEIN))
    assert standin.requests_for(tag)[0]["body"]["modalities"] == ["image"]
    assert len(result.images) == 1
    assert result.text == ""


def test_asking_an_image_only_model_for_text_gets_no_endpoint(standin, standin_client, tag):
    with pytest.raises(NoEndpoint) as caught:
        standin_client.generate(request(tag, FLUX, IMAGE_AND_TEXT))
    assert "output modalities: image, text" in caught.value.upstream_message
    assert len(standin.requests_for(tag)) == 1


def test_reference_images_are_parts_after_the_text(standin, standin_client, tag):
    first = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(first, "PNG")
    second = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(second, "JPEG")
    references = (
        ReferenceImage(data=first.getvalue(), mime_type="image/png"),
        ReferenceImage(data=second.getvalue(), mime_type="image/jpeg"),
    )

    standin_client.generate(request(f"make it watercolor {tag}", FLUX, reference_images=references))

    content = standin.requests_for(tag)[0]["body"]["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": f"make it watercolor {tag}"},
        {"type": "image_url", "image_url": {"url": as_data_url("image/png", first.getvalue())}},
        {"type": "image_url", "image_url": {"url": as_data_url("image/jpeg", second.getvalue())}},
    ]


def test_reference_images_are_input_references_on_the_image_api(standin, sleeps, tag):
    reference = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(reference, "PNG")
    references = (ReferenceImage(data=reference.getvalue(), mime_type="image/png"),)

    with make_standin_client(standin, sleeps, api="images") as client:
        assert client.generate(request(f"make it watercolor {tag}", FLUX, reference_images=references)).images

    body = standin.requests_for(tag)[0]["body"]
    assert body["prompt"] == f"make it watercolor {tag}"
    url = as_data_url("image/png", reference.getvalue())
    assert body["input_references"] == [{"type": "image_url", "image_url": {"url": url}}]


def as_data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@pytest.mark.parametrize(
    ("model", "aspect_ratio", "image_size", "size"),
    [
        (GEMINI, "16:9", None, (1344, 768)),
        (FLUX, "16:9", "1K", (1344, 768)),
        (GEMINI, "9:16", None, (768, 1344)),
        (GEMINI, "21:9", None, (1536, 672)),
        (GEMINI_PRO, "16:9", "2K", (2688, 1536)),
        (GEMINI_PRO, "1:1", "2K", (2048, 2048)),
        (GEMINI_PRO, "4:5", "2K", (1792, 2304)),
        (FLUX, "3:2", "2K", (2496, 1664)),
    ],
)
def test_aspect_ratio_and_size_give_the_documented_pixels(standin, api_client, api, tag, model, aspect_ratio,
                                                          image_size, size):  # fmt: skip
    outputs = IMAGE_ONLY if model == FLUX else IMAGE_AND_TEXT
    result = api_client.generate(
        request(tag, model, outputs, aspect_ratio=aspect_ratio, image_size=image_size)
    )
    assert (result.images[0].width, result.images[0].height) == size
    body = standin.requests_for(tag)[0]["body"]
    if api.name == "chat":
        expected_config = {"aspect_ratio": aspect_ratio} | ({"image_size": image_size} if image_size else {})
        assert body["image_config"] == expected_config
    else:
        assert body["aspect_ratio"] == aspect_ratio
        assert body.get("resolution") == image_size


def test_same_prompt_and_settings_give_the_same_bytes(api_client, tag):
    first = api_client.generate(request(f"a blue square {tag}", aspect_ratio="4:3"))
    second = api_client.generate(request(f"a blue square {tag}", aspect_ratio="4:3"))
    other = api_client.generate(request(f"a pink star {tag}", aspect_ratio="4:3"))
    assert first.images[0].data == second.images[0].data
    assert first.images[0].data != other.images[0].data


def test_two_images_arrive_in_two_deltas(api_client, api, tag):
    events = []
    result = api_client.generate(request(f"{tag} [fault:two-images]", GEMINI_PRO, IMAGE_AND_TEXT),
                                 on_event=events.append)  # fmt: skip
    assert [image.index for image in result.images] == [0, 1]
    assert result.images[0].data != result.images[1].data
    # A buffered answer arrives whole (on either API): no event per image.
    assert [e.index for e in events if isinstance(e, ImageReceived)] == ([0, 1] if api.streamed else [])


def test_events_arrive_in_order(standin_client, tag):
    events = []
    result = standin_client.generate(request(tag, GEMINI_PRO, IMAGE_AND_TEXT), on_event=events.append)

    kinds = [type(e) for e in events if not isinstance(e, BytesReceived)]
    assert kinds == [
        RequestSending, Started, ReasoningDelta, ReasoningDelta, ContentDelta, ContentDelta, ImageReceived,
        Finished, UsageReceived,
    ]  # fmt: skip
    assert events[1] == Started(generation_id=result.generation_id, attempt=1)
    assert events[-1] == BytesReceived(total_bytes=events[-1].total_bytes)
    totals = [e.total_bytes for e in events if isinstance(e, BytesReceived)]
    assert totals == sorted(totals)
    assert totals[-1] > len(result.images[0].data)  # base64 is bigger than the bytes
    usage = next(e.usage for e in events if isinstance(e, UsageReceived))
    assert usage == result.usage
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == result.reasoning


def test_image_api_events_arrive_in_order(sleeps, standin, tag):
    events = []
    with make_standin_client(standin, sleeps, api="images") as client:
        result = client.generate(request(tag, GPT_IMAGE), on_event=events.append)

    kinds = [type(e) for e in events if not isinstance(e, BytesReceived | PreviewReceived)]
    assert kinds == [RequestSending, Started, ImageReceived, Finished, UsageReceived]
    # Its two previews came before the image, decodable, smaller than it; they are not kept as results.
    previews = [e for e in events if isinstance(e, PreviewReceived)]
    assert [e.index for e in previews] == [0, 1]
    assert events.index(previews[-1]) < next(i for i, e in enumerate(events) if isinstance(e, ImageReceived))
    assert [Image.open(io.BytesIO(e.data)).size for e in previews] == [(128, 128), (256, 256)]
    assert all(e.mime_type == "image/png" for e in previews)
    assert events[1] == Started(generation_id=result.generation_id, attempt=1)
    totals = [e.total_bytes for e in events if isinstance(e, BytesReceived)]
    assert totals == sorted(totals)
    # The preview came first, and is not kept.
    assert totals[-1] > len(result.images[0].data) * 4 // 3 + 1000
    assert len(result.images) == 1
    assert next(e.usage for e in events if isinstance(e, UsageReceived)) == result.usage


def test_list_image_models(api_client):
    models = {model.id: model for model in api_client.list_image_models()}
    assert set(models) == {GEMINI, GEMINI_PRO, "openai/gpt-5-image-mini", FLUX, KLEIN, GPT_IMAGE}
    gemini = models[GEMINI]
    assert gemini.output_modalities == ("image", "text")
    assert gemini.pricing.image_output == Decimal("0.00003")
    assert gemini.pricing.prompt == Decimal("0.0000003")
    assert gemini.context_length == 32768
    assert models[FLUX].output_modalities == ("image",)
    assert models[KLEIN].input_modalities == ("text",)


def test_key_info_reflects_spend(api_client, tag):
    before = api_client.key_info()
    result = api_client.generate(request(tag, GEMINI, IMAGE_AND_TEXT))
    after = api_client.key_info()
    assert after.usage - before.usage == pytest.approx(result.usage.cost_usd, abs=Decimal("1e-9"))
    assert after.is_free_tier is False
    assert after.limit is None


# Faults: the right typed error, and the right number of upstream calls


def test_429_once_is_retried_after_retry_after(standin, api_client, sleeps, tag):
    events = []
    result = api_client.generate(request(f"{tag} [fault:429-once]"), on_event=events.append)
    assert len(result.images) == 1
    assert len(standin.requests_for(tag)) == 2
    assert sleeps.calls == [1.0]
    assert Retrying(attempt=2, delay_seconds=1.0, reason=events[1].reason) in events


def test_429_every_time_gives_up_after_three_attempts(standin, api_client, sleeps, tag):
    with pytest.raises(RateLimited) as caught:
        api_client.generate(request(f"{tag} [fault:429]"))
    assert len(standin.requests_for(tag)) == 3
    assert sleeps.calls == [1.0, 1.0]
    assert caught.value.retry_after == 1
    assert "try again in 1 s" in caught.value.message


def test_429_with_a_long_wait_is_not_retried(standin, api_client, sleeps, tag):
    with pytest.raises(RateLimited) as caught:
        api_client.generate(request(f"{tag} [fault:429-long]"))
    assert len(standin.requests_for(tag)) == 1
    assert sleeps.calls == []
    assert caught.value.retry_after == 3600
    assert "try again in 1 h" in caught.value.message


@pytest.mark.parametrize(
    ("marker", "error", "words"),
    [
        ("[fault:400]", BadRequest, "invalid"),
        ("[fault:402]", OutOfCredits, "out of credits"),
        ("[fault:403]", Moderation, "moderation blocked this prompt (flagged for violence/graphic)"),
        ("[fault:404]", NoEndpoint, "no provider that can serve black-forest-labs/flux.2-pro"),
        ("[fault:413]", TooLarge, "too large"),
    ],
)
def test_client_errors_are_sent_once(standin, api_client, sleeps, tag, marker, error, words):
    with pytest.raises(error) as caught:
        api_client.generate(request(f"{tag} {marker}"))
    assert words in caught.value.message
    assert len(standin.requests_for(tag)) == 1
    assert sleeps.calls == []
    assert not caught.value.charged_possibly


def test_moderation_carries_reasons_and_flagged_input(api_client, tag):
    with pytest.raises(Moderation) as caught:
        api_client.generate(request(f"{tag} something violent [fault:403]"))
    assert caught.value.reasons == ("violence/graphic",)
    assert caught.value.flagged_input == f"{tag} something violent"
    assert caught.value.status == 403


def test_bad_key_is_refused_once(standin, api, tag):
    bad_key = client_for(standin, api_key="sk-or-v1-invalid", api=api.client_api)
    with bad_key as client, pytest.raises(BadKey) as caught:
        client.generate(request(tag))
    assert (
        caught.value.message == "OpenRouter rejected the API key. Ask an admin to check OPENROUTER_API_KEY."
    )
    assert len(standin.requests_for(tag)) == 1


def test_unknown_model_and_bad_aspect_ratio_are_refused_once(standin, api_client, tag):
    with pytest.raises(NoEndpoint) as caught:
        api_client.generate(request(tag, "acme/imaginary-model"))
    assert caught.value.upstream_message == "No endpoints found for acme/imaginary-model."
    with pytest.raises(BadRequest, match="Unsupported aspect_ratio"):
        api_client.generate(request(tag, aspect_ratio="7:3"))
    assert len(standin.requests_for(tag)) == 2


def test_402_with_retry_after_is_retried(standin, api_client, sleeps, tag):
    result = api_client.generate(request(f"{tag} [fault:402-retry-once]"))
    assert len(result.images) == 1
    assert len(standin.requests_for(tag)) == 2
    assert sleeps.calls == [1.0]


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_server_errors_are_retried_then_reported(standin, api_client, tag, status):
    with pytest.raises(ProviderError) as caught:
        api_client.generate(request(f"{tag} [fault:{status}]"))
    assert caught.value.status == int(status)
    assert len(standin.requests_for(tag)) == 3


@pytest.mark.parametrize(
    ("status", "error", "calls"),
    [("408", UpstreamTimeout, 3), ("524", UpstreamTimeout, 1), ("529", ProviderError, 1)],
)
def test_timeouts_and_overload(standin, api_client, tag, status, error, calls):
    with pytest.raises(error) as caught:
        api_client.generate(request(f"{tag} [fault:{status}]"))
    assert caught.value.status == int(status)
    assert len(standin.requests_for(tag)) == calls


def test_server_error_once_then_success(standin, api_client, tag):
    assert api_client.generate(request(f"{tag} [fault:502-once]")).images
    assert len(standin.requests_for(tag)) == 2


def test_early_midstream_error_is_retried(standin, api_client, tag):
    with pytest.raises(ProviderError) as caught:
        api_client.generate(request(f"{tag} [fault:midstream-early]"))
    assert len(standin.requests_for(tag)) == 3
    assert not caught.value.charged_possibly

    other = f"{tag}-b"
    assert api_client.generate(request(f"{other} [fault:midstream-early-once]")).images
    assert len(standin.requests_for(other)) == 2


def test_midstream_error_after_content_is_not_retried(standin, standin_client, sleeps, tag):
    with pytest.raises(ProviderError) as caught:
        standin_client.generate(request(f"{tag} [fault:midstream]", GEMINI, IMAGE_AND_TEXT))
    assert len(standin.requests_for(tag)) == 1
    assert sleeps.calls == []
    assert caught.value.charged_possibly
    assert "Provider disconnected unexpectedly" in caught.value.message


def test_a_failed_image_api_generation_is_never_charged(standin, sleeps, tag):
    for api in IMAGE_APIS:
        prompt = f"{tag}-{api.name} [fault:midstream]"
        with (
            make_standin_client(standin, sleeps, api=api.client_api) as client,
            pytest.raises(ProviderError) as caught,
        ):
            client.generate(request(prompt, GPT_IMAGE))
        assert not caught.value.charged_possibly
        assert "Provider disconnected unexpectedly" in caught.value.message
        # Streamed, the error came after a preview, so it is reported; buffered, it is a 502, retried.
        assert len(standin.requests_for(prompt)) == (1 if api.streamed else 3)
        assert standin.charges_for(f"{tag}-{api.name}") == []


def test_truncated_stream_keeps_nothing(standin, api_client, tag):
    events = []
    with pytest.raises(TruncatedStream) as caught:
        api_client.generate(request(f"{tag} [fault:truncate]"), on_event=events.append)
    assert len(standin.requests_for(tag)) == 1
    assert caught.value.charged_possibly
    assert not any(isinstance(e, ImageReceived) for e in events)


def test_no_image_is_reported_as_possibly_charged(api_client, tag):
    with pytest.raises(NoImageReturned) as caught:
        api_client.generate(request(f"{tag} [fault:noimage]"))
    assert caught.value.charged_possibly


def test_no_image_explains_with_the_models_text(standin_client, tag):
    with pytest.raises(NoImageReturned) as caught:
        standin_client.generate(request(f"{tag} [fault:noimage]", GEMINI, IMAGE_AND_TEXT))
    assert "I can't draw that" in caught.value.message
    assert caught.value.text.startswith("I can't draw that")
    assert caught.value.charged_possibly


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("badbase64", "its base64 data is corrupt"),
        ("svg", "it is an SVG (image/svg+xml), which Easel does not accept"),
        ("notimage", "its bytes are not a PNG, JPEG or WebP image"),
        ("bomb", "more pixels than Easel's limit of 40 megapixels"),
        ("mismatch", "labelled image/jpeg but the bytes are a PNG file"),
        ("oversize", "over Easel's limit of 33.6 MB"),
    ],
)
def test_unacceptable_images_are_rejected_with_a_reason(standin, api_client, tag, fault, reason):
    with pytest.raises(ImageRejected) as caught:
        api_client.generate(request(f"{tag} [fault:{fault}]"))
    assert reason in caught.value.reason
    assert reason in caught.value.message
    assert caught.value.charged_possibly
    assert len(standin.requests_for(tag)) == 1


def test_a_link_instead_of_the_image_is_rejected(standin, standin_client, tag):
    # Chat only: the Image API always sends the image's bytes.
    with pytest.raises(ImageRejected) as caught:
        standin_client.generate(request(f"{tag} [fault:https-url]"))
    assert "Easel never downloads files a response points to" in caught.value.reason
    assert "Easel never downloads files a response points to" in caught.value.message
    assert caught.value.charged_possibly
    assert len(standin.requests_for(tag)) == 1


def test_slow_trickle_keeps_the_idle_timer_alive(api, tag):
    # Its own stand-in, so the margins suit a loaded machine: the trickle lasts 5 s in pieces 0.1 s apart;
    # an idle limit of 2.5 s, counted from the start, would end it. (With the session stand-in's 1.5 s
    # trickle against 1 s, a CI run loaded by a second test run stalled past the limit before the answer.)
    with (
        StandinServer(slow_seconds=5.0) as server,
        client_for(server, idle_timeout=2.5, api=api.client_api) as client,
    ):
        assert client.generate(request(f"{tag} [fault:slow]")).images


def test_slow_trickle_hits_the_total_deadline(standin, api, tag):
    with (
        # The idle limit is far above the total one: only the total deadline can end it, however the
        # loaded machine spaces the trickle's bytes.
        client_for(standin, idle_timeout=30, total_timeout=0.7, api=api.client_api) as client,
        pytest.raises(UpstreamTimeout) as caught,
    ):
        client.generate(request(f"{tag} [fault:slow]"))
    # The trickle would have succeeded after 1.5 s: failing with the deadline's message proves it held.
    assert "limit of 0.7 s" in caught.value.message
    assert caught.value.charged_possibly
    assert len(standin.requests_for(tag)) == 1


def test_hang_ends_with_an_idle_timeout(standin, streamed_api, tag):
    hanging = client_for(standin, idle_timeout=1.0, api=streamed_api.client_api)
    with hanging as client, pytest.raises(UpstreamTimeout) as caught:
        client.generate(request(f"{tag} [fault:hang]"))
    assert "OpenRouter sent nothing for 1 s" in caught.value.message
    assert caught.value.charged_possibly
    assert len(standin.requests_for(tag)) == 1


def test_keepalives_during_latency_reset_the_idle_timer(streamed_api, tag):
    # Its own stand-in, so the margins suit a loaded machine: keep-alives every 0.25 s against a 3 s idle
    # timeout, through 8 s of latency that would end the request without them.
    with (
        StandinServer(keepalive_interval=0.25) as server,
        client_for(server, idle_timeout=3.0, api=streamed_api.client_api) as client,
    ):
        assert client.generate(request(f"{tag} [latency:8]")).images


def test_the_key_never_appears_in_errors_or_logs(standin, api_client, api, tag, caplog):
    caplog.set_level(logging.DEBUG)
    errors = []
    for marker in ("[fault:403]", "[fault:429-long]", "[fault:midstream]", "[fault:truncate]", "[fault:svg]"):
        try:
            api_client.generate(request(f"{tag} {marker}", GEMINI, IMAGE_AND_TEXT))
        except OpenRouterError as error:
            errors.append(error)
    bad_key = client_for(standin, api_key="sk-or-v1-invalid", api=api.client_api)
    with bad_key as bad, pytest.raises(BadKey) as caught:
        bad.generate(request(tag))
    errors.append(caught.value)
    assert len(errors) == 6
    for error in errors:
        texts = [str(error), repr(error), error.message, error.upstream_message or "", *map(str, error.args)]
        assert not any(TEST_API_KEY in text or "sk-or-v1-invalid" in text for text in texts)
    assert caplog.records
    for record in caplog.records:
        assert TEST_API_KEY not in record.getMessage()
        assert "sk-or-v1-invalid" not in record.getMessage()
