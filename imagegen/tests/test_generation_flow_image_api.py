"""Callers need no change for the Image API: with OPENROUTER_API = "images", a generation runs end to end
against the stand-in's POST /images and is stored, measured and failed exactly as over chat completions."""

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from gallery.models import Image
from imagegen import services
from imagegen.models import Generation
from openrouter.tests.standin_fixtures import TEST_API_KEY
from tests.fixtures.generations import queue_generation

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-3-pro-image-preview"


@pytest.fixture
def image_api(settings, openrouter_standin):
    settings.OPENROUTER_API = "images"
    return openrouter_standin


def run(member, model, prompt: str, **overrides) -> Generation:
    generation = queue_generation(member, model, prompt, **overrides)
    services.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def test_a_generation_through_the_image_api_is_stored_in_the_gallery(member, image_models, image_api, tag):
    generation = run(member, image_models[GEMINI], f"a red fox at dusk {tag}", aspect_ratio="16:9")

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.stage == Generation.Stage.DONE
    assert generation.error_message == ""
    image = Image.objects.get(generation=generation)
    stored = (Path(django_settings.MEDIA_ROOT) / image.file_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == image.sha256
    assert (image.width, image.height) == (1344, 768)
    assert image.owner == member
    assert image.model_slug == GEMINI
    assert image.image_tokens == 1120
    assert image.openrouter_generation_id.startswith("gen-")
    assert image.openrouter_generation_id in generation.openrouter_ids
    charged = image_api.charged_for(image.openrouter_generation_id)
    assert image.cost_usd == generation.cost_usd == charged.quantize(Decimal("0.000001"))
    (sent,) = image_api.requests_for(tag)
    assert sent["path"] == "/images"
    assert (sent["body"]["aspect_ratio"], sent["body"]["resolution"]) == ("16:9", "1K")


def test_a_fault_through_the_image_api_fails_the_generation_plainly(member, image_models, image_api, tag):
    generation = run(member, image_models[GEMINI], f"{tag} [fault:403]")

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "moderation"
    assert "moderation blocked this prompt" in generation.error_message
    assert TEST_API_KEY not in generation.error_message
    assert not Image.objects.filter(generation=generation).exists()
    assert image_api.requests_for(tag)[0]["path"] == "/images"
