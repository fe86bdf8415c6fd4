"""Issue 15 on the Generate page, server side: cards with per-image actions, retries of only the missing
images, "Edit prompt" after a moderation refusal, one line of model text, references kept through a
refused submission and cleared after a successful one, and the "Editing" banner."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gallery import files
from gallery.models import Favourite
from imagegen import services
from imagegen.models import Generation, GenerationReference, PendingReference
from tests.fixtures.generations import queue_generation
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
KLEIN = "black-forest-labs/flux.2-klein-4b"  # takes text only


def settle(generation: Generation, **fields) -> Generation:
    defaults = {
        "status": Generation.Status.SUCCEEDED,
        "stage": Generation.Stage.DONE,
        "finished_at": timezone.now(),
    }
    Generation.objects.filter(pk=generation.pk).update(**(defaults | fields))
    generation.refresh_from_db()
    return generation


def card_html(client, generation: Generation) -> str:
    return client.get(f"/generations/{generation.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_each_finished_image_has_download_favourite_use_as_reference_and_remix(
    member_client, image_models, member, make_image
):
    generation = settle(queue_generation(member, image_models[GEMINI], "two foxes", count=2))
    first = make_image(owner=member, prompt="two foxes", generation=generation, color=(1, 2, 3))
    second = make_image(owner=member, prompt="two foxes", generation=generation, color=(3, 2, 1))
    Favourite.objects.create(member=member, image=second)

    html = card_html(member_client, generation)
    for image in (first, second):
        assert f'href="/gallery/images/{image.pk}/download" role="button"' in html
        assert f'href="/?reference={image.pk}"' in html
        assert ">Use as reference</a>" in html
        assert f'href="/?remix={image.pk}"' in html
        assert f'hx-post="/gallery/images/{image.pk}/favourite"' in html
    assert html.count('aria-pressed="true"') == 1, "the member's own star, on the image they starred"


def test_one_of_four_failed_offers_to_retry_only_the_missing_one(
    member_client, image_models, member, make_image
):
    generation = queue_generation(member, image_models[GEMINI], "four kites", count=4)
    settle(generation, error_kind="partial", error_message="1 of 4 images failed: the provider had an error.")
    for n in range(3):
        make_image(owner=member, prompt="four kites", generation=generation, color=(n, 9, 9))

    html = card_html(member_client, generation)
    assert ">Try the 1 missing again</button>" in html
    assert ">Try again</button>" not in html

    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    response = member_client.post(
        f"/generations/{generation.pk}/retry/",
        {"submission_key": key, "only_missing": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    retry = Generation.objects.get(retry_of=generation)
    assert retry.count == 1


def test_nothing_missing_is_refused_on_the_card(member_client, image_models, member, make_image):
    generation = settle(queue_generation(member, image_models[GEMINI], "one kite"))
    make_image(owner=member, prompt="one kite", generation=generation)
    response = member_client.post(
        f"/generations/{generation.pk}/retry/", {"only_missing": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "nothing is missing" in response.content.decode()
    assert not Generation.objects.filter(retry_of=generation).exists()


def test_a_moderation_refusal_offers_edit_prompt_instead_of_a_retry(member_client, image_models, member):
    generation = settle(
        queue_generation(member, image_models[GEMINI], "something the provider refuses", aspect_ratio="16:9"),
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind="moderation",
        error_message="The provider's moderation refused this prompt (violence).",
    )
    html = card_html(member_client, generation)
    assert ">Try again</button>" not in html
    assert f'href="/?prompt_from={generation.pk}" role="button" class="secondary">Edit prompt</a>' in html

    form = member_client.get("/", {"prompt_from": generation.pk}).content.decode()
    assert ">something the provider refuses</textarea>" in form
    assert re.search(r'<option value="16:9"[^>]*selected>', form)


def test_someone_elses_generation_does_not_fill_the_form(other_client, image_models, member):
    generation = queue_generation(member, image_models[GEMINI], "a private prompt")
    assert "a private prompt" not in other_client.get("/", {"prompt_from": generation.pk}).content.decode()


def test_the_model_text_is_one_line_per_card_not_one_per_image(member_client, image_models, member):
    generation = settle(
        queue_generation(member, image_models[GEMINI], "four owls", count=4),
        text="\n\n".join(["Here is your image."] * 4),
    )
    html = card_html(member_client, generation)
    assert html.count("Here is your image.") == 1


def test_a_retried_card_says_so_and_links_to_the_new_try(member_client, image_models, member):
    failed = settle(
        queue_generation(member, image_models[GEMINI], "a castle"),
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind="out_of_credits",
        error_message="Out of credits.",
    )
    response = member_client.post(
        f"/generations/{failed.pk}/retry/", {"submission_key": "r1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    retry = Generation.objects.get(retry_of=failed)
    # The new card first, then the tried one in its place, which now says it was tried again.
    assert html.index(f'id="generation-{retry.pk}"') < html.index(f'id="generation-{failed.pk}"')
    assert f'Tried again: <a href="#generation-{retry.pk}">see the new try</a>' in html
    assert "data-arrived" in html.split(f'id="generation-{failed.pk}"')[0]
    assert f'hx-target="#generation-{failed.pk}" hx-swap="outerHTML"' in card_html(member_client, failed)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def post(client, model, **fields):
    data = {"prompt": "a lighthouse", "model": model.pk, "aspect_ratio": "1:1", "count": 1} | fields
    return client.post("/", data, HTTP_HX_REQUEST="true")


def test_references_survive_a_refused_submission_and_go_with_the_next(member_client, image_models, member):
    model = image_models[GEMINI]
    refused = post(
        member_client, model, prompt="", reference_uploads=[upload("cat.png", png_bytes(40, 30, (9, 9, 9)))]
    )
    assert refused.status_code == 422
    kept = PendingReference.objects.get(member=member)
    html = refused.content.decode()
    assert f'<input type="hidden" name="kept_references" value="{kept.pk}">' in html
    assert f'src="/references/kept/{kept.pk}"' in html
    assert ">Remove<" in html
    assert member_client.get(f"/references/kept/{kept.pk}").status_code == 200

    accepted = post(member_client, model, prompt="a cat", kept_references=[kept.pk])
    assert accepted.status_code == 200
    reference = GenerationReference.objects.get()
    assert (reference.width, reference.height, reference.sha256) == (40, 30, kept.sha256)
    assert not PendingReference.objects.exists(), "cleared after a successful submission"
    assert files.file_exists(name=reference.file_name), "the generation's reference keeps the file"
    card = accepted.content.decode()
    assert 'aria-label="Reference images used"' in card
    assert f"/generations/{reference.generation_id}/references/0" in card


def test_a_page_post_refused_by_the_running_limit_keeps_its_upload(
    member_client, image_models, member, settings
):
    """Without JavaScript the whole page comes back: the refusal says why, the upload stays chosen."""
    settings.MAX_RUNNING_PER_MEMBER = 1
    model = image_models[GEMINI]
    queue_generation(member, model, "already running")
    data = {"prompt": "a cat", "model": model.pk, "aspect_ratio": "1:1", "count": 1}
    refused = member_client.post("/", data | {"reference_uploads": [upload("cat.png", png_bytes(40, 30))]})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "the limit is 1 at a time" in html
    kept = PendingReference.objects.get(member=member)
    assert f'<input type="hidden" name="kept_references" value="{kept.pk}">' in html

    # Refused again, naming the kept upload only: still kept, and still shown.
    again = member_client.post("/", data | {"kept_references": [kept.pk]})
    assert again.status_code == 422
    assert list(PendingReference.objects.filter(member=member)) == [kept]
    assert f'<input type="hidden" name="kept_references" value="{kept.pk}">' in again.content.decode()


def test_removed_and_abandoned_kept_uploads_leave_no_file_behind(member_client, image_models, member):
    post(
        member_client, image_models[GEMINI], prompt="", reference_uploads=[upload("a.png", png_bytes(20, 20))]
    )
    kept = PendingReference.objects.get()
    # The member removed it (the form no longer names it) and generated something else.
    assert post(member_client, image_models[GEMINI], prompt="no references").status_code == 200
    assert not PendingReference.objects.exists()
    assert not files.file_exists(name=kept.file_name)

    post(
        member_client, image_models[GEMINI], prompt="", reference_uploads=[upload("b.png", png_bytes(21, 21))]
    )
    old = PendingReference.objects.get()
    PendingReference.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert services.pending_references_forget_old() == 1
    assert not files.file_exists(name=old.file_name)


def test_a_submission_without_kept_uploads_only_reads_them(member, django_assert_num_queries):
    # A burst of submissions queues on SQLite's one write lock: clearing nothing must not take it.
    with django_assert_num_queries(1) as captured:
        assert services.pending_references_clear(member=member) == 0
    assert captured.captured_queries[0]["sql"].lstrip().upper().startswith("SELECT")


def test_a_kept_upload_belongs_to_its_member(member_client, other_client, image_models, member):
    post(member_client, image_models[GEMINI], prompt="", reference_uploads=[upload("a.png", png_bytes())])
    kept = PendingReference.objects.get()
    assert other_client.get(f"/references/kept/{kept.pk}").status_code == 404
    response = post(other_client, image_models[GEMINI], prompt="steal it", kept_references=[kept.pk])
    assert response.status_code == 422
    assert "attach it again" in response.content.decode()
    assert not Generation.objects.exists()


def model_select(html: str) -> str:
    return re.search(r'<select name="model".*?</select>', html, re.S).group(0)


def test_edit_shows_a_banner_and_offers_only_models_that_take_images(
    member_client, image_models, member, make_image
):
    image = make_image(owner=member, prompt="a moonlit castle on a hill", model_slug=GEMINI)
    html = member_client.get("/", {"edit": image.pk}).content.decode()
    assert "<strong>Editing:</strong> a moonlit castle on a hill" in html
    assert f'<input type="hidden" name="editing" value="{image.pk}">' in html
    assert re.search(rf'name="reference_picks" value="{image.pk}"[^>]*checked', html)
    assert image_models[KLEIN].name not in model_select(html)
    assert f'<option value="{image_models[GEMINI].pk}" selected>' in model_select(html)
    assert "Only models that take reference images are offered while editing." in html

    plain = member_client.get("/").content.decode()
    assert image_models[KLEIN].name in model_select(plain)
    assert "Editing:" not in plain
