"""Issue 15's Generate page in a real browser at 1440×900 and 390×844: the new card where the member is
looking, a retry beside the card it retries, focus that stays put, reference thumbnails that survive a
refusal, the "Editing" banner, and axe-core on the page, light and dark."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from imagegen.models import Generation, GenerationReference, PendingReference
from tests.fixtures.axe import axe_violations
from tests.fixtures.browser import log_in
from tests.fixtures.generations import queue_generation
from tests.fixtures.images import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
GEMINI = "google/gemini-2.5-flash-image"
KLEIN = "black-forest-labs/flux.2-klein-4b"


@pytest.fixture(autouse=True)
def _refusals_are_expected(expected_console_errors):
    """Chromium logs a 422 (how htmx is told to swap a refused form in) as a console error."""
    expected_console_errors.append("status of 422 (Unprocessable Content)")


def finished(member, model, prompt: str, **fields) -> Generation:
    generation = queue_generation(member, model, prompt)
    done = {
        "status": Generation.Status.SUCCEEDED,
        "stage": Generation.Stage.DONE,
        "finished_at": timezone.now(),
    }
    Generation.objects.filter(pk=generation.pk).update(**(done | fields))
    return generation


def failed(member, model, prompt: str, kind: str = "out_of_credits") -> Generation:
    return finished(
        member,
        model,
        prompt,
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind=kind,
        error_message="OpenRouter says the account is out of credits. Ask an admin to add credits.",
    )


def signed_in(page, base_url: str) -> None:
    """Signed in, with the page's scripts wired up (a key pressed before htmx is ready posts the old way)."""
    log_in(page, base_url, "mira")
    page.wait_for_load_state("load")


@VIEWPORTS
def test_after_generate_the_new_card_is_in_view_and_focus_stays_on_generate(
    live_server, page, member, image_models, make_image, viewport, tag
):
    for n in range(6):  # a page with history: the list is long on both sizes
        generation = finished(member, image_models[GEMINI], f"an older harbour {n}")
        make_image(owner=member, prompt=f"an older harbour {n}", generation=generation, color=(n, 40, 90))
    page.set_viewport_size(viewport)
    signed_in(page, live_server.url)
    assert page.evaluate("window.scrollY") == 0

    prompt = f"a lighthouse in fog {tag}"
    page.get_by_label("Prompt").fill(prompt)
    generate = page.get_by_role("button", name="Generate", exact=True)
    generate.focus()
    page.keyboard.press("Enter")

    card = page.locator("article.generation-card").filter(has_text=prompt)
    expect(card).to_be_visible()
    # The page has done what it does for a new card (scrolling it into view only if it had to).
    expect(card).not_to_have_attribute("data-arrived", re.compile(".*"))
    expect(card).to_be_in_viewport(ratio=0.5)
    assert page.evaluate("window.scrollY") == 0, "the member did not have to scroll, nor did the page"
    expect(generate).to_be_focused()
    expect(page.locator("#generation-announcer")).to_have_text(f"Generating: {prompt}")


def test_skip_to_content_comes_first(live_server, page, member, image_models):
    signed_in(page, live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"


@VIEWPORTS
def test_try_again_puts_the_new_card_beside_the_failed_one_in_view(
    live_server, page, member, image_models, viewport
):
    tried = failed(member, image_models[GEMINI], "a castle that ran out of credits")
    for n in range(5):  # newer cards above it: the failed card is far down the list
        finished(member, image_models[GEMINI], f"a newer meadow {n}", text="Here is your image.")
    page.set_viewport_size(viewport)
    signed_in(page, live_server.url)

    old_card = page.locator(f"#generation-{tried.pk}")
    old_card.get_by_role("button", name="Try again").click()

    retry_card = page.locator("article.generation-card").filter(has_text="a castle that ran out").first
    expect(old_card).to_contain_text("Tried again")
    retry = Generation.objects.get(retry_of=tried)
    new_card = page.locator(f"#generation-{retry.pk}")
    expect(new_card).to_be_visible()
    assert retry_card.get_attribute("id") == f"generation-{retry.pk}", "the new try sits right above"
    following = new_card.evaluate("card => card.nextElementSibling.id")
    assert following == f"generation-{tried.pk}"
    expect(new_card).to_be_in_viewport(ratio=0.5)  # scrolled there if it had to be
    expect(new_card).to_be_focused()  # the button the member pressed went with the old card


def test_favourite_keeps_focus_on_its_button(live_server, page, member, image_models, make_image):
    generation = finished(member, image_models[GEMINI], "a fox to keep")
    make_image(owner=member, prompt="a fox to keep", generation=generation)
    signed_in(page, live_server.url)

    card = page.locator(f"#generation-{generation.pk}")
    star = card.get_by_role("button", name="Favourite")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.focus()
    page.keyboard.press("Enter")
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(star).to_be_focused()
    page.keyboard.press("Enter")  # and back: the key still works on the same button
    expect(star).to_have_attribute("aria-pressed", "false")
    expect(star).to_be_focused()
    for action in ("Download", "Use as reference", "Remix"):
        expect(card.get_by_role("button", name=action)).to_be_visible()


def test_reference_thumbnails_remove_survive_a_refusal_and_clear_after_generate(
    live_server, page, member, image_models, tmp_path, tag
):
    files = []
    for n, colour in enumerate(((200, 30, 30), (30, 200, 30))):
        path = tmp_path / f"sketch-{n}.png"
        path.write_bytes(png_bytes(48, 32, colour))
        files.append(path)
    signed_in(page, live_server.url)

    page.get_by_label("Upload reference images").set_input_files(files)
    thumbs = page.get_by_role("list", name="Attached reference images").get_by_role("listitem")
    expect(thumbs).to_have_count(2)
    expect(thumbs.first.get_by_role("img", name="sketch-0.png")).to_be_visible()
    thumbs.first.get_by_role("button", name="Remove sketch-0.png").click()
    expect(thumbs).to_have_count(1)

    page.get_by_role("button", name="Generate", exact=True).click()  # no prompt: refused
    expect(page.get_by_text("Write a prompt describing the image.")).to_be_visible()
    expect(thumbs).to_have_count(1)
    expect(thumbs.first.get_by_role("img", name="sketch-1.png")).to_be_visible()
    expect(page.get_by_label("Prompt")).to_be_focused()

    prompt = f"a green sketch {tag}"
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_role("button", name="Generate", exact=True).click()
    card = page.locator("article.generation-card").filter(has_text=prompt)
    expect(card.get_by_role("list", name="Reference images used").get_by_role("img")).to_have_count(1)
    expect(page.get_by_role("list", name="Attached reference images").get_by_role("listitem")).to_have_count(
        0
    )
    assert GenerationReference.objects.get().width == 48
    assert not PendingReference.objects.exists()

    # The next prompt goes without them.
    page.get_by_label("Prompt").fill(f"no references {tag}")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.locator("article.generation-card")).to_have_count(2)
    assert GenerationReference.objects.count() == 1


def test_edit_opens_the_form_with_a_banner_and_the_reference(
    live_server, page, member, image_models, make_image
):
    image = make_image(owner=member, prompt="a moonlit castle on a hill", model_slug=GEMINI)
    signed_in(page, live_server.url)
    page.goto(f"{live_server.url}/gallery/images/{image.pk}/")
    page.get_by_role("button", name="Edit", exact=True).click()

    expect(page.locator("[data-editing]")).to_contain_text("Editing: a moonlit castle on a hill")
    expect(page.locator(f"input[name=reference_picks][value='{image.pk}']")).to_be_checked()
    model_names = page.get_by_label("Model").locator("option").all_inner_texts()
    assert not any(image_models[KLEIN].name in name for name in model_names), model_names
    expect(
        page.get_by_text("Only models that take reference images are offered while editing.")
    ).to_be_visible()


def seed_cards(member, image_models, make_image):
    done = finished(member, image_models[GEMINI], "a finished owl", text="Here is your image.")
    make_image(owner=member, prompt="a finished owl", generation=done)
    failed(member, image_models[GEMINI], "a refused owl", kind="moderation")
    failed(member, image_models[GEMINI], "an owl out of credits")
    queue_generation(member, image_models[GEMINI], "a running owl")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@VIEWPORTS
def test_the_generate_page_has_no_axe_violations(
    live_server, page, member, image_models, make_image, scheme, viewport
):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size(viewport)
    signed_in(page, live_server.url)
    assert axe_violations(page) == [], "empty page"

    seed_cards(member, image_models, make_image)
    page.reload()
    expect(page.locator("article.generation-card")).to_have_count(4)
    assert axe_violations(page) == [], "with running, failed and done cards"

    image = make_image(owner=member, prompt="an owl to edit", color=(9, 9, 9))
    page.goto(f"{live_server.url}/?edit={image.pk}")
    expect(page.locator("[data-editing]")).to_be_visible()
    assert axe_violations(page) == [], "with the Editing banner"
