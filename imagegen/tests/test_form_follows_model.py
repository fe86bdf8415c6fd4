"""The Generate form follows the chosen model: only the controls it offers, with its values; a switch keeps
what the new model also offers and resets the rest visibly; the server checks every value against the
stored descriptors; and the estimate shown is the amount the budget reserves."""

import re
from decimal import Decimal

import pytest

from imagegen.models import Generation

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
GEMINI_3 = "google/gemini-3-pro-image-preview"
FLUX = "black-forest-labs/flux.2-pro"
KLEIN = "black-forest-labs/flux.2-klein-4b"
GPT_IMAGE = "openai/gpt-image-1"
OPTIONS = "/generate/options/"


def labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def options(client, **query) -> str:
    return client.get(OPTIONS, query, HTTP_HX_REQUEST="true").content.decode()


def selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select is None:
        return None
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def values(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', select.group(1)) if select else []


def post(client, model, **fields):
    data = {"prompt": "a lighthouse in fog", "model": model.pk, "count": 1} | fields
    return client.post("/", data, HTTP_HX_REQUEST="true")


def test_each_model_shows_only_the_controls_it_offers_with_its_values(member_client, image_models):
    gpt = options(member_client, model=image_models[GPT_IMAGE].pk)
    assert labels(gpt)[:5] == ["Images", "Aspect ratio", "Quality", "Background", "Output format"]
    assert "Image size" not in labels(gpt)
    assert "Seed" not in labels(gpt)
    assert values(gpt, "aspect_ratio") == ["1:1", "2:3", "3:2"]
    assert values(gpt, "background") == ["auto", "transparent", "opaque"]
    assert values(gpt, "count") == ["1", "2", "3", "4"], "1 to the model's n bound"
    assert selected(gpt, "quality") == "auto"

    flux = options(member_client, model=image_models[FLUX].pk)
    assert "Seed" in labels(flux)
    assert 'max="4294967295"' in flux
    assert values(flux, "output_format") == ["png", "jpeg"]
    assert values(flux, "image_size") == ["1K", "2K"]
    assert "Quality" not in labels(flux)

    klein = options(member_client, model=image_models[KLEIN].pk)
    assert [label for label in labels(klein)] == ["Images", "Aspect ratio"]
    assert 'name="image_size"' not in klein, "no hidden field for a control the model lacks"


def test_switching_to_a_model_without_sizes_drops_4k_visibly_and_the_next_submit_works(
    member_client, image_models
):
    """The stuck-4K case: 4K on Gemini 3, then a model without sizes, then Generate."""
    gemini3 = options(member_client, model=image_models[GEMINI_3].pk, image_size="4K")
    assert selected(gemini3, "image_size") == "4K"

    klein = options(member_client, model=image_models[KLEIN].pk, image_size="4K", aspect_ratio="16:9")
    assert 'name="image_size"' not in klein
    assert "has no Image size choice, so 4K no longer applies." in klein
    assert selected(klein, "aspect_ratio") == "16:9", "a choice the new model also offers is kept"

    response = post(member_client, image_models[KLEIN], aspect_ratio="16:9")
    assert response.status_code == 200
    generation = Generation.objects.get()
    assert (generation.aspect_ratio, generation.image_size) == ("16:9", "")


def test_switching_resets_what_the_new_model_lacks_and_says_so(member_client, image_models):
    html = options(member_client, model=image_models[GPT_IMAGE].pk, aspect_ratio="16:9", count="3")
    assert selected(html, "aspect_ratio") == "1:1"
    assert "Aspect ratio is back to 1:1: OpenAI: GPT Image 1 does not offer 16:9." in html
    assert selected(html, "count") == "3"
    assert 'role="status"' in html


REFUSALS = [
    (GPT_IMAGE, {"quality": "ultra"}, "ultra is not offered by this model"),
    (
        GPT_IMAGE,
        {"background": "transparent", "output_format": "jpeg"},
        "A transparent background needs PNG or WebP",
    ),
    (GPT_IMAGE, {"count": 5}, "OpenAI: GPT Image 1 makes 1 to 4 images at a time."),
    (KLEIN, {"image_size": "4K"}, "4K is not offered by this model"),
    (KLEIN, {"seed": 7}, "takes no seed: leave it blank."),
    (FLUX, {"seed": -1}, "greater than or equal to 0"),
    (FLUX, {"output_format": "svg"}, "svg is not offered by this model"),
]


@pytest.mark.parametrize(("model_id", "fields", "message"), REFUSALS)
def test_the_server_checks_each_value_against_the_stored_descriptors(
    member_client, image_models, model_id, fields, message
):
    response = post(member_client, image_models[model_id], **fields)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Generation.objects.count() == 0


def test_the_service_refuses_a_value_the_model_does_not_offer(member, image_models):
    from imagegen import services
    from imagegen.exceptions import GenerationRefused

    with pytest.raises(GenerationRefused, match="does not offer Quality 'ultra': choose one of auto, low"):
        services.generation_create(
            member=member, model=image_models[GPT_IMAGE], prompt="a fox", aspect_ratio="1:1",
            image_size="", count=1, parameters={"quality": "ultra"},
        )  # fmt: skip


ESTIMATES = [
    # Priced per image, by resolution variant: 2 × $0.24 at 4K.
    (GEMINI_3, {"image_size": "4K", "count": "2"}, "Estimated cost: $0.48", Decimal("0.480000")),
    # Priced per megapixel: 16:9 at 1K is 1344×768 = 1.032 MP × $0.014.
    (KLEIN, {"aspect_ratio": "16:9"}, "Estimated cost: $0.0145", Decimal("0.014451")),
    # Priced per token, known only at completion: a range, and the top is reserved.
    (GPT_IMAGE, {}, "Estimated cost: $0.00 to $0.2497", Decimal("0.249695")),
]


@pytest.mark.parametrize(("model_id", "choices", "shown", "reserved"), ESTIMATES)
def test_the_estimate_shown_is_what_the_budget_reserves(
    member_client, image_models, model_id, choices, shown, reserved
):
    model = image_models[model_id]
    html = options(member_client, model=model.pk, prompt="a lighthouse in fog", **choices)
    assert shown in html

    assert post(member_client, model, **choices).status_code == 200
    assert Generation.objects.get().reserved_usd == reserved
