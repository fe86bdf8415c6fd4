"""Each model through the API OpenRouter serves it with (OPENROUTER_API overrides), every request to /images
fitting the published schema; each image's recipe (seed, provider, parameters, reference hashes) on its
page and in its JSON sidecar; and "Run again exactly" with the provider pinned."""

import hashlib
import json

import pytest
from django.urls import reverse

from gallery.models import Image, ImageParent
from imagegen import services
from imagegen.models import Generation
from openrouter.tests.schema_check import schema_errors
from tests.fixtures.generations import queue_generation
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"
FLUX = "black-forest-labs/flux.2-pro"
GPT_IMAGE = "openai/gpt-image-1"
CHAT_ONLY = "openai/gpt-5-image-mini"


def run(generation: Generation) -> Generation:
    services.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def test_each_model_goes_through_its_own_api_unless_the_operator_names_one(
    member, image_models, standin, tag, settings
):
    assert settings.OPENROUTER_API == "auto"
    run(queue_generation(member, image_models[GEMINI], f"a heron {tag}"))
    run(queue_generation(member, image_models[CHAT_ONLY], f"a kite {tag}"))
    paths = {entry["body"].get("prompt") or "chat": entry["path"] for entry in standin.requests_for(tag)}
    assert paths == {f"a heron {tag}": "/images", "chat": "/chat/completions"}

    settings.OPENROUTER_API = "chat"
    run(queue_generation(member, image_models[GEMINI], f"an owl {tag}"))
    assert standin.requests_for(f"an owl {tag}")[0]["path"] == "/chat/completions"


def test_the_image_api_gets_every_choice_in_one_request_that_fits_the_schema(
    member, image_models, standin, tag
):
    generation = run(
        queue_generation(
            member, image_models[GPT_IMAGE], f"a paper crane {tag}", aspect_ratio="3:2", count=2,
            parameters={"quality": "high", "background": "transparent", "output_format": "webp"},
        )
    )  # fmt: skip

    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    (request,) = standin.requests_for(tag)
    body = request["body"]
    assert schema_errors(body) == []
    assert (body["n"], body["quality"], body["background"], body["output_format"]) == (
        2,
        "high",
        "transparent",
        "webp",
    )
    assert body["aspect_ratio"] == "3:2"
    assert "resolution" not in body, "GPT Image 1 takes no resolution"
    images = Image.objects.filter(generation=generation)
    assert images.count() == 2
    assert {image.format for image in images} == {"WEBP"}


def test_an_image_records_its_recipe_and_shows_it(member, member_client, image_models, standin, tag):
    reference = png_bytes(32, 32)
    generation = run(
        services.generation_create(
            member=member, model=image_models[FLUX], prompt=f"a lighthouse {tag}", aspect_ratio="21:9",
            image_size="1K", count=1, parameters={"seed": 4242, "output_format": "png"},
            references=[services.ReferenceInput(data=reference, mime_type="image/png", image_format="PNG",
                                                width=32, height=32)],
        )
    )  # fmt: skip

    image = Image.objects.get(generation=generation)
    assert image.seed == 4242
    assert image.provider_slug == "black-forest-labs"
    assert image.api == "images"
    assert image.parameters == {
        "aspect_ratio": "21:9",
        "image_size": "1K",
        "seed": 4242,
        "output_format": "png",
    }
    assert image.reference_sha256 == [hashlib.sha256(reference).hexdigest()]
    assert (image.width, image.height) == (1536, 672)
    assert image.aspect_matches, "21:9 drawn at its documented 1536×672 is the shape asked for"

    page = member_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert ">Recipe</h2>" in page
    assert "<code>4242</code>" in page
    assert ">Run again exactly</button>" in page
    assert hashlib.sha256(reference).hexdigest() in page
    assert "not the shape asked for" not in page
    sidecar = json.loads(member_client.get(reverse("gallery:image_details_json", args=[image.pk])).content)
    assert sidecar["seed"] == 4242
    assert sidecar["model"]["provider_slug"] == "black-forest-labs"
    assert sidecar["parameters"]["output_format"] == "png"
    assert sidecar["reference_sha256"] == [hashlib.sha256(reference).hexdigest()]


def test_run_again_exactly_pins_the_provider_and_repeats_seed_parameters_and_references(
    member, member_client, image_models, standin, tag
):
    first = run(
        services.generation_create(
            member=member, model=image_models[FLUX], prompt=f"a fox {tag}", aspect_ratio="4:3", image_size="2K",
            count=1, parameters={"seed": 77},
            references=[services.ReferenceInput(data=png_bytes(16, 16), mime_type="image/png", image_format="PNG",
                                                width=16, height=16)],
        )
    )  # fmt: skip
    image = Image.objects.get(generation=first)

    response = member_client.post(reverse("imagegen:run_again_exactly", args=[image.pk]))

    assert response.status_code == 302
    again = Generation.objects.exclude(pk=first.pk).get()
    assert again.provider == "black-forest-labs"
    assert (again.aspect_ratio, again.image_size, again.parameters) == ("4:3", "2K", {"seed": 77})
    assert list(again.references.values_list("sha256", flat=True)) == image.reference_sha256
    again = run(again)
    body = standin.requests_for(tag)[-1]["body"]
    assert body["provider"] == {"only": ["black-forest-labs"], "allow_fallbacks": False}
    assert body["seed"] == 77
    assert schema_errors(body) == []
    copy = Image.objects.get(generation=again)
    assert copy.seed == 77
    # Its lineage: a run-again-exactly of the first image.
    assert list(ImageParent.objects.filter(child=copy).values_list("parent_id", "kind")) == [
        (image.pk, ImageParent.Kind.RUN_AGAIN)
    ]


def test_run_again_exactly_says_so_when_the_model_no_longer_offers_a_choice(
    member, member_client, image_models, tag
):
    generation = run(queue_generation(member, image_models[FLUX], f"a gull {tag}", image_size="2K"))
    image = Image.objects.get(generation=generation)
    model = image_models[FLUX]
    model.parameters_override = {"resolution": {"type": "enum", "values": ["1K"]}}
    model.save()

    response = member_client.post(reverse("imagegen:run_again_exactly", args=[image.pk]), follow=True)

    assert "Could not run it again exactly" in response.content.decode()
    assert "does not offer Image size &#x27;2K&#x27;" in response.content.decode()
    assert Generation.objects.count() == 1
