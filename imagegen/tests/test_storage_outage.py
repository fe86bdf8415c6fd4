"""A generation whose bucket is away: its image is retried like a database outage, then the generation
fails with "could not store the image"; OpenRouter is asked once, and nothing half-written is left."""

import pytest
from botocore.exceptions import EndpointConnectionError

from gallery import files
from gallery.models import Image
from imagegen import services
from imagegen.models import Generation
from tests.fixtures.s3_faults import point_storage_at, refused_endpoint

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


def run_one(member, model, prompt) -> Generation:
    generation = services.generation_create(
        member=member, model=model, prompt=prompt, aspect_ratio="1:1", image_size="1K", count=1
    )
    services.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def test_an_unreachable_bucket_fails_the_generation_once_and_plainly(
    member, image_models, standin, tag, s3_media, settings
):
    settings.STORAGE_RETRY_SECONDS = 2
    point_storage_at(settings, refused_endpoint())

    generation = run_one(member, image_models[GEMINI], f"a lantern {tag}")

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "save_failed"
    assert "could not store the image" in generation.error_message
    assert len(standin.requests_for(tag)) == 1  # asked (and charged) once, however long the retries
    assert Image.objects.count() == 0
    assert s3_media.object_names() == []


def test_a_bucket_that_comes_back_while_retrying_keeps_the_image(
    member, image_models, standin, tag, s3_media, settings, monkeypatch
):
    real_write = files.write_file
    failures = []

    def away_twice(*, name, data):
        if len(failures) < 2:
            failures.append(name)
            raise EndpointConnectionError(endpoint_url="http://bucket.example")
        return real_write(name=name, data=data)

    monkeypatch.setattr("gallery.files.write_file", away_twice)
    generation = run_one(member, image_models[GEMINI], f"a lighthouse {tag}")

    assert generation.status == Generation.Status.SUCCEEDED
    assert len(failures) == 2
    assert len(standin.requests_for(tag)) == 1
    image = Image.objects.get(generation=generation)
    assert s3_media.object_names() == sorted([image.file_name, image.thumbnail_name])
