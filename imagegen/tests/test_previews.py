"""Live previews: a model that streams sends small early pictures while it draws; the running card shows
the latest one, and it goes when the image (or the reason there is none) arrives. Previews are progress
only: never gallery images, never billed."""

import io
import threading

import pytest
from PIL import Image as PILImage

import openrouter
from gallery.models import Image
from imagegen import services
from imagegen.models import Generation
from imagegen.services.progress import PREVIEW_LONG_SIDE, ProgressRecorder, preview_webp
from tests.fixtures.generations import queue_generation
from tests.fixtures.processes import wait_for

STREAMING = "openai/gpt-image-1"
NOT_STREAMING = "google/gemini-2.5-flash-image"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def run_in_thread(generation: Generation) -> threading.Thread:
    thread = threading.Thread(target=services.generation_run, kwargs={"generation_id": generation.pk})
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_the_running_card_holds_the_latest_preview_until_the_image_replaces_it(
    member, image_models, openrouter_standin, tag
):
    generation = queue_generation(member, image_models[STREAMING], f"a lighthouse {tag} [latency:3]")
    thread = run_in_thread(generation)
    try:
        seen = wait_for(
            lambda: Generation.objects.filter(pk=generation.pk, preview__isnull=False).first(),
            timeout=30,
            message="no preview was written while the generation ran",
        )
        assert seen.status == Generation.Status.RUNNING
        with PILImage.open(io.BytesIO(bytes(seen.preview))) as preview:
            assert preview.format == "WEBP"
            assert max(preview.size) <= PREVIEW_LONG_SIDE
    finally:
        thread.join(timeout=60)

    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.preview is None  # progress only: gone once the image is in
    assert generation.preview_data_uri is None
    assert len(openrouter_standin.previews_sent(tag)) == 2
    # One gallery image for one image asked: no preview was kept, and the cost is the one charge.
    (image,) = Image.objects.filter(generation=generation)
    charged = openrouter_standin.charged_for(image.openrouter_generation_id)
    assert generation.cost_usd == image.cost_usd == charged.quantize(generation.cost_usd)


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_a_preview_ends_with_a_clear_message_and_no_preview(
    member, image_models, openrouter_standin, tag
):
    generation = queue_generation(member, image_models[STREAMING], f"a harbour {tag} [fault:midstream]")
    services.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    assert openrouter_standin.previews_sent(tag), "the stand-in should have sent previews before failing"
    assert generation.status == Generation.Status.FAILED
    assert generation.preview is None
    assert generation.error_message.startswith("The model's provider failed while generating")
    assert "try again" in generation.error_message
    assert not Image.objects.filter(generation=generation).exists()


@pytest.mark.django_db(transaction=True)
def test_a_model_that_does_not_stream_writes_no_preview(member, image_models, openrouter_standin, tag):
    generation = queue_generation(member, image_models[NOT_STREAMING], f"a meadow {tag}")
    services.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert openrouter_standin.previews_sent(tag) == []
    assert generation.preview is None


def test_a_preview_is_shrunk_to_a_small_webp():
    preview = preview_webp(png(1024, 512))

    with PILImage.open(io.BytesIO(preview)) as image:
        assert image.format == "WEBP"
        assert image.size == (PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE // 2)


def test_a_broken_or_oversized_preview_is_skipped(settings):
    assert preview_webp(b"\x89PNG\r\n\x1a\n not really a picture") is None
    settings.MAX_IMAGE_PIXELS = 100 * 100
    assert preview_webp(png(200, 200)) is None


@pytest.mark.django_db
def test_a_broken_preview_keeps_the_previous_one(member, image_models):
    generation = queue_generation(member, image_models[STREAMING], "a kite")
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    recorder = ProgressRecorder(generation_id=generation.pk, count=1)

    recorder.on_event(0, openrouter.PreviewReceived(index=0, data=png(64, 64), mime_type="image/png"))
    recorder.flush()
    first = bytes(Generation.objects.get(pk=generation.pk).preview)
    recorder.on_event(0, openrouter.PreviewReceived(index=1, data=b"garbage", mime_type="image/png"))
    recorder.flush()

    assert bytes(Generation.objects.get(pk=generation.pk).preview) == first


@pytest.mark.django_db
def test_the_poll_shows_the_preview_on_a_running_card_and_polls_faster(client, member, image_models):
    client.force_login(member)
    streaming = queue_generation(member, image_models[STREAMING], "a kite")
    Generation.objects.filter(pk=streaming.pk).update(
        status=Generation.Status.RUNNING, preview=preview_webp(png(64, 64))
    )

    page = client.get("/generations/updates/", {"live": streaming.pk}, headers={"HX-Request": "true"})

    html = page.content.decode()
    assert 'alt="Preview of the image being drawn' in html
    assert 'src="data:image/webp;base64,' in html
    assert 'hx-trigger="every 250ms"' in html


@pytest.mark.django_db
def test_a_finished_card_shows_no_preview_and_the_poll_keeps_its_pace(client, member, image_models):
    client.force_login(member)
    slow = queue_generation(member, image_models[NOT_STREAMING], "a meadow")
    done = queue_generation(member, image_models[STREAMING], "a kite")
    Generation.objects.filter(pk=slow.pk).update(status=Generation.Status.RUNNING)
    # A preview left on a finished row (written by a flush racing the finish) is never shown.
    Generation.objects.filter(pk=done.pk).update(
        status=Generation.Status.SUCCEEDED, preview=preview_webp(png(64, 64))
    )

    page = client.get("/generations/updates/", {"live": [slow.pk, done.pk]}, headers={"HX-Request": "true"})

    html = page.content.decode()
    assert "Preview of the image" not in html
    assert 'hx-trigger="every 500ms"' in html
