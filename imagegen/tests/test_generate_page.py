"""The Generate page: labelled controls, htmx updates, and a server that enforces what the form offers."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from imagegen.models import Generation, GenerationReference
from tests.fixtures.generations import queue_generation
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
GEMINI_3 = "google/gemini-3-pro-image-preview"
FLUX = "black-forest-labs/flux.2-pro"
KLEIN = "black-forest-labs/flux.2-klein-4b"  # takes text only


@pytest.fixture
def generate_client(member_client, image_models):
    return member_client


def post(client, chosen_model, prompt="a lighthouse in fog", htmx=True, **fields):
    data = {
        "prompt": prompt,
        "model": chosen_model.pk,
        "aspect_ratio": "1:1",
        "count": 1,
    } | fields
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post("/", data, **headers)


def labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def test_the_form_has_labelled_controls_and_a_generate_button(generate_client, image_models):
    html = generate_client.get("/").content.decode()
    found = labels(html)
    for label in ("Prompt", "Model", "Aspect ratio", "Images", "Upload reference images"):
        assert label in found
    assert '<button type="submit" id="generate-submit">Generate</button>' in html
    assert 'maxlength="4000"' in html
    assert "data-submit-shortcut" in html


def test_models_show_their_price_and_the_default_is_preselected(generate_client, image_models):
    html = generate_client.get("/").content.decode()
    default = next(m for m in image_models.values() if m.is_default)
    assert f'<option value="{default.pk}" selected>' in html
    assert "Gemini 2.5 Flash Image" in html
    assert "Gemini 2.5 Flash Image (Nano Banana) — $0.0387 an image" in html
    assert "GPT Image 1 — up to $0.2496 an image" in html, "a price known only at completion: its top"


def test_aspect_ratios_show_pixel_sizes_with_1_1_by_default(generate_client):
    html = generate_client.get("/").content.decode()
    assert "16:9 — 1344×768" in html
    assert re.search(r'<option value="1:1"[^>]*selected>1:1 — 1024×1024</option>', html)


def test_changing_the_model_updates_ratios_sizes_and_references(generate_client, image_models):
    gemini3 = generate_client.get(
        "/generate/options/", {"model": image_models[GEMINI_3].pk}, HTTP_HX_REQUEST="true"
    )
    html = gemini3.content.decode()
    assert html.lstrip().startswith('<div id="model-options"')
    assert "Image size" in labels(html)
    assert '<option value="4K"' in html
    # The reference files stay on the page (a change of model keeps the files chosen): only their note
    # changes, out of band.
    assert "Upload reference images" not in labels(html)
    assert re.search(r'<p id="reference-note"[^>]*hx-swap-oob="true">[^<]*can use reference images', html)

    klein = generate_client.get(
        "/generate/options/", {"model": image_models[KLEIN].pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "takes no reference images:</strong> pick another model to send them." in klein
    assert "Image size" not in labels(klein)


def test_choosing_2k_doubles_the_pixel_sizes_shown(generate_client, image_models):
    html = generate_client.get(
        "/generate/options/", {"model": image_models[GEMINI_3].pk, "image_size": "2K"}
    ).content.decode()
    assert "16:9 — 2688×1536" in html


def test_submitting_creates_a_queued_generation_and_returns_its_card(generate_client, image_models, standin):
    calls = standin.chat_request_count
    response = post(generate_client, image_models[GEMINI], prompt="a lighthouse in fog")

    assert response.status_code == 200
    generation = Generation.objects.get()
    assert generation.status == Generation.Status.QUEUED
    html = response.content.decode()
    # The form on the page keeps what was sent: only its submission key is replaced, and the card added.
    assert response.headers["HX-Reswap"] == "none"
    assert 'id="generate-form"' not in html
    key = re.search(r'name="submission_key" value="(\w+)" id="id_submission_key" hx-swap-oob="true"', html)
    assert key
    assert key.group(1) != generation.submission_key
    assert 'hx-swap-oob="afterbegin:#generation-list"' in html
    assert f'id="generation-{generation.pk}"' in html
    assert "a lighthouse in fog" in html
    # The page's one poller starts (or keeps) polling, and the new card is among those it asks for.
    assert re.search(
        r'id="live-updates" hidden hx-get="/generations/updates/" hx-trigger="every 500ms"', html
    )
    assert f'<input type="hidden" name="live" value="{generation.pk}">' in html
    assert DBTaskResult.objects.count() == 1
    assert standin.chat_request_count == calls, "the web request never calls OpenRouter"


def test_a_submission_after_a_refusal_swaps_in_a_clean_form(generate_client, image_models):
    refused = post(generate_client, image_models[GEMINI], prompt="", submission_key="one")
    assert refused.status_code == 422
    assert 'name="form_shows_errors"' in refused.content.decode()

    response = post(
        generate_client,
        image_models[GEMINI],
        prompt="a second try",
        submission_key="one",
        form_shows_errors="1",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Reswap" not in response.headers
    assert 'id="generate-form"' in html
    assert "a second try" in html
    assert "Write a prompt" not in html
    assert 'name="form_shows_errors"' not in html
    assert 'hx-swap-oob="afterbegin:#generation-list"' in html


def test_without_javascript_submitting_redirects_back_to_the_page(generate_client, image_models):
    response = post(generate_client, image_models[GEMINI], htmx=False)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "a lighthouse in fog" in generate_client.get("/").content.decode()


def test_a_double_click_makes_one_generation(generate_client, image_models):
    post(generate_client, image_models[GEMINI], submission_key="abc123")
    post(generate_client, image_models[GEMINI], submission_key="abc123")
    assert Generation.objects.count() == 1


REFUSALS = [
    ({"prompt": ""}, "Write a prompt"),
    ({"prompt": "x" * 4001}, "at most 4000 characters"),
    ({"aspect_ratio": "7:3"}, "7:3 is not offered by this model"),
    ({"image_size": "4K"}, "4K is not offered by this model"),
    ({"count": 5}, "makes 1 to 4 images at a time"),
    ({"count": 0}, "makes 1 to 4 images at a time"),
    ({"model": 999999}, "That model is not available"),
]


@pytest.mark.parametrize(("fields", "message"), REFUSALS)
def test_the_server_refuses_what_the_form_does_not_offer(
    generate_client, image_models, standin, fields, message
):
    calls = standin.chat_request_count
    response = post(generate_client, image_models[GEMINI], **fields)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Generation.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert standin.chat_request_count == calls


def test_a_disabled_model_is_refused(generate_client, image_models):
    model = image_models[GEMINI]
    model.enabled = False
    model.save()
    response = post(generate_client, model)
    assert response.status_code == 422
    assert "That model is not available" in response.content.decode()
    assert Generation.objects.count() == 0


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_reference_upload_is_kept_with_the_generation(generate_client, image_models):
    response = post(
        generate_client, image_models[GEMINI], reference_uploads=[upload("cat.png", png_bytes(40, 30))]
    )
    assert response.status_code == 200
    reference = GenerationReference.objects.get()
    assert (reference.width, reference.height, reference.mime_type) == (40, 30, "image/png")


def jpeg_bytes() -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (16, 16)).save(out, "JPEG")
    return out.getvalue()


UPLOAD_REFUSALS = [
    (
        upload("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024 + 1)),
        "reference images can be at most 10 MB",
    ),
    (upload("notes.txt", b"hello there", "text/plain"), "notes.txt is not a PNG, JPEG or WebP image"),
    (
        upload("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        "logo.svg is not a PNG",
    ),
    (upload("broken.png", png_bytes()[:60]), "broken.png was not accepted"),
    (upload("anim.gif", b"GIF89a" + b"\0" * 20, "image/gif"), "anim.gif is not a PNG, JPEG or WebP image"),
]


@pytest.mark.parametrize(("file", "message"), UPLOAD_REFUSALS)
def test_bad_reference_uploads_are_refused_beside_the_field(
    generate_client, image_models, file, message, settings
):
    response = post(generate_client, image_models[GEMINI], reference_uploads=[file])
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Generation.objects.count() == 0
    assert GenerationReference.objects.count() == 0


def test_a_jpeg_reference_is_accepted(generate_client, image_models):
    assert (
        post(
            generate_client,
            image_models[GEMINI],
            reference_uploads=[upload("p.jpg", jpeg_bytes(), "image/jpeg")],
        ).status_code
        == 200
    )


def test_a_reference_for_a_model_that_takes_no_images_is_refused(generate_client, image_models):
    response = post(generate_client, image_models[KLEIN], reference_uploads=[upload("cat.png", png_bytes())])
    assert response.status_code == 422
    assert "takes no reference images" in response.content.decode()
    assert Generation.objects.count() == 0


def test_picking_a_reference_from_the_gallery(generate_client, image_models, member, make_image):
    image = make_image(owner=member, prompt="an old photo")
    response = post(generate_client, image_models[GEMINI], reference_picks=[image.pk])
    assert response.status_code == 200
    reference = GenerationReference.objects.get()
    assert reference.source_image == image
    assert reference.sha256 == image.sha256


def test_remix_prefills_prompt_model_ratio_and_size(generate_client, image_models, member, make_image):
    image = make_image(
        owner=member, prompt="a moonlit castle", model_slug=GEMINI_3, aspect_ratio="16:9", image_size="2K"
    )
    html = generate_client.get("/", {"remix": image.pk}).content.decode()
    assert ">a moonlit castle</textarea>" in html
    assert f'<option value="{image_models[GEMINI_3].pk}" selected>' in html
    assert re.search(r'<option value="16:9"[^>]*selected>', html)
    assert re.search(r'<option value="2K"[^>]*selected>', html)


def test_edit_prefills_the_image_as_a_reference(generate_client, image_models, member, make_image):
    image = make_image(owner=member, prompt="a moonlit castle", model_slug=GEMINI)
    html = generate_client.get("/", {"edit": image.pk}).content.decode()
    assert re.search(rf'<input type="checkbox" name="reference_picks" value="{image.pk}"[^>]*checked', html)


def test_the_page_lists_the_members_recent_generations_only(
    generate_client, image_models, member, other_member
):

    mine = queue_generation(member, image_models[GEMINI], "my own dragon")
    queue_generation(other_member, image_models[GEMINI], "someone else's")
    html = generate_client.get("/").content.decode()
    assert f'id="generation-{mine.pk}"' in html
    assert "someone else" not in html


def test_cards_are_visible_to_their_member_and_staff_only(client, image_models, member, other_member, staff):

    generation = queue_generation(member, image_models[GEMINI], "a quiet bay")
    url = f"/generations/{generation.pk}/"
    client.force_login(member)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    client.force_login(other_member)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
    client.force_login(staff)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert client.get("/generations/999999/").status_code == 404


def test_a_failed_card_says_failed_with_a_try_again_button(generate_client, image_models, member):
    generation = queue_generation(member, image_models[GEMINI], "a kite", aspect_ratio="16:9", count=2)
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind="out_of_credits",
        error_message="OpenRouter says the account is out of credits. Ask an admin to add credits.",
    )
    html = generate_client.get(f"/generations/{generation.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Failed: OpenRouter says the account is out of credits." in html
    assert ">Try again</button>" in html
    assert 'name="live"' not in html, "a finished card is no longer asked for"

    response = generate_client.post(
        f"/generations/{generation.pk}/retry/", {"submission_key": "r1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    retry = Generation.objects.exclude(pk=generation.pk).get()
    assert (retry.prompt, retry.aspect_ratio, retry.count, retry.retry_of) == (
        "a kite",
        "16:9",
        2,
        generation,
    )


def test_the_page_makes_the_same_queries_for_one_card_or_a_full_list(
    generate_client, image_models, member, make_image
):
    """Failed cards (with their "Try again" key) and cards with images cost no query each."""
    from imagegen import services

    def failed_generation_with_an_image(n: int) -> Generation:
        generation = queue_generation(member, image_models[GEMINI], f"harbour {n}")
        Generation.objects.filter(pk=generation.pk).update(
            status=Generation.Status.FAILED, stage=Generation.Stage.FAILED, error_message="Stopped."
        )
        make_image(owner=member, prompt=f"harbour {n}", color=(n, 10, 10), generation=generation)
        return generation

    def queries_for_the_page(failed_cards: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            html = generate_client.get("/").content.decode()
        assert html.count(">Try again</button>") == failed_cards
        assert html.count('class="generation-images"') == failed_cards
        return len(captured)

    # A retried generation and its retry: the card's key counts the retries.
    services.generation_retry(generation=failed_generation_with_an_image(0), member=member)
    few = queries_for_the_page(failed_cards=1)
    for n in range(1, 12):
        failed_generation_with_an_image(n)
    assert queries_for_the_page(failed_cards=11) == few  # the page lists the 12 most recent


def test_a_cards_try_again_key_counts_its_retries_without_grouping_the_members_history(
    generate_client, image_models, member
):
    """The key changes with each retry (a double-click retries once, a later click again), and the list
    reads it per shown card: a GROUP BY over the member's whole history made the page O(generations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imagegen import services

    failed = queue_generation(member, image_models[GEMINI], "a kite")
    Generation.objects.filter(pk=failed.pk).update(status=Generation.Status.FAILED, stage="failed")

    def retry_key() -> str:
        with CaptureQueriesContext(connection) as captured:
            html = generate_client.get("/").content.decode()
        listing = [q["sql"] for q in captured if q["sql"].startswith('SELECT "imagegen_generation"."id"')]
        assert listing
        assert not any('GROUP BY "imagegen_generation"."id"' in sql for sql in listing), listing
        return re.search(rf'value="(retry-{failed.pk}-\d+)"', html).group(1)

    assert retry_key() == f"retry-{failed.pk}-0"
    services.generation_retry(generation=failed, member=member, submission_key="r1")
    assert retry_key() == f"retry-{failed.pk}-1"
    services.generation_retry(generation=failed, member=member, submission_key="r2")
    assert retry_key() == f"retry-{failed.pk}-2"


def test_a_submission_reads_the_models_and_the_members_budget_row_once_each(generate_client, image_models):
    """A burst of submissions competes with the pages for the CPU: each reads only what it must."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(generate_client, image_models[GEMINI], prompt="warm-up")  # creates the member's budget row
    with CaptureQueriesContext(connection) as captured:
        response = post(
            generate_client, image_models[GEMINI], prompt="a harbour at dawn", submission_key="k-1"
        )
    assert response.status_code == 200
    reads = [query["sql"] for query in captured if query["sql"].startswith("SELECT")]
    assert sum('FROM "imagegen_imagemodel"' in sql for sql in reads) == 1
    # The admission's lock read, then the budget note's read after the commit.
    assert sum('FROM "team_memberbudget"' in sql for sql in reads) == 2
    # Running and last-minute generations in one read; the double-click check is the other.
    assert sum('FROM "imagegen_generation"' in sql for sql in reads) == 2
    assert not any('FROM "gallery_image"' in sql for sql in reads), "a queued card has no images to read"


def test_one_request_brings_every_running_card_on_the_page_up_to_date(
    generate_client, image_models, member, other_member
):
    def create(owner, prompt: str) -> Generation:
        return queue_generation(owner, image_models[GEMINI], prompt)

    running = [create(member, f"running {n}") for n in range(3)]
    finished = create(member, "finished")
    Generation.objects.filter(pk=finished.pk).update(status=Generation.Status.SUCCEEDED, stage="done")
    someone_elses = create(other_member, "someone else's secret prompt")

    page = generate_client.get("/").content.decode()
    assert page.count('hx-trigger="every 500ms"') == 1, "one poller for the page, not one per card"
    assert sorted(re.findall(r'name="live" value="(\d+)"', page)) == sorted(str(g.pk) for g in running)

    Generation.objects.filter(pk=running[0].pk).update(
        stage=Generation.Stage.RECEIVING, bytes_received=52_224
    )
    asked = [*(str(g.pk) for g in running), str(someone_elses.pk), "x", "²", "-1"]
    html = generate_client.get(
        "/generations/updates/", {"live": asked}, HTTP_HX_REQUEST="true"
    ).content.decode()
    cards = re.findall(r'<article id="generation-(\d+)"[^>]* hx-swap-oob="true"', html)
    assert sorted(cards) == sorted(str(g.pk) for g in running)
    assert "51 KB received" in html
    assert "someone else" not in html
    assert re.search(r'id="live-updates" hidden hx-get="/generations/updates/" hx-trigger="every 500ms"[^>]*'
                     r'hx-swap-oob="true"', html)  # fmt: skip

    # When the last running card finishes, its final state is sent and the poller stops.
    Generation.objects.filter(pk__in=[g.pk for g in running]).update(
        status=Generation.Status.FAILED, stage="failed"
    )
    html = generate_client.get(
        "/generations/updates/", {"live": [str(g.pk) for g in running]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.count(">Try again</button>") == 3
    assert 'name="live"' not in html
    assert '<div id="live-updates" hidden hx-swap-oob="true"></div>' in html
    assert generate_client.get("/generations/updates/").status_code == 200  # nothing asked: nothing sent
