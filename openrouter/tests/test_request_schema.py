"""Every body the client builds for POST /images fits the published ImageGenerationRequest schema."""

from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter import ImageRequest, ReferenceImage, build_images_payload
from openrouter.tests.schema_check import schema_errors

RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:4", "auto"]

requests = st.builds(
    ImageRequest,
    model=st.sampled_from(["openai/gpt-image-1", "google/gemini-3-pro-image-preview"]),
    prompt=st.text(min_size=1).filter(str.strip),
    output_modalities=st.just(("image",)),
    aspect_ratio=st.none() | st.sampled_from(RATIOS),
    image_size=st.none() | st.sampled_from(["0.5K", "512", "1K", "2K", "4K"]),
    reference_images=st.lists(
        st.builds(ReferenceImage, data=st.binary(min_size=1, max_size=8), mime_type=st.just("image/png")),
        max_size=4,
    ).map(tuple),
    n=st.integers(1, 10),
    seed=st.none() | st.integers(0, 2**32 - 1),
    quality=st.none() | st.sampled_from(["auto", "low", "medium", "high"]),
    background=st.none() | st.sampled_from(["auto", "transparent", "opaque"]),
    output_format=st.none() | st.sampled_from(["png", "jpeg", "webp"]),
    provider_only=st.lists(st.sampled_from(["openai", "google-vertex"]), max_size=2).map(tuple),
)


# No deadline: the first example also compiles the schema.
@settings(deadline=None)
@given(request=requests, stream=st.booleans())
def test_every_image_api_body_fits_the_published_schema(request, stream):
    assert schema_errors(build_images_payload(request, stream=stream)) == []


def test_the_schema_check_would_catch_a_body_off_the_schema():
    """The check is not vacuous: what the schema refuses, it reports."""
    body = {"model": "m/x", "prompt": "", "n": "2", "quality": "ultra", "input_references": [{"url": "x"}]}
    errors = schema_errors(body)
    assert len(errors) == 5
    assert "prompt: '' should be non-empty" in errors
