"""The Generate form follows the model in a real browser: controls appear and go with the model, a switch
resets visibly, and the stuck-4K case (4K on one model, then a model without sizes) submits cleanly."""

import pytest
from playwright.sync_api import expect

from imagegen.models import Generation
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_form_follows_two_models_and_4k_does_not_stick(live_server, page, member, image_models):
    log_in(page, live_server.url, "mira")
    page.get_by_label("Prompt").fill("a lighthouse in fog")
    form = page.locator("#generate-form")

    page.get_by_label("Model").select_option(str(image_models["google/gemini-3-pro-image-preview"].pk))
    page.get_by_label("Image size").select_option("4K")
    expect(page.locator("#estimate")).to_have_text("Estimated cost: $0.24")
    page.get_by_label("Images", exact=True).select_option("2")
    expect(page.locator("#estimate")).to_have_text("Estimated cost: $0.48")

    page.get_by_label("Model").select_option(str(image_models["black-forest-labs/flux.2-klein-4b"].pk))
    expect(page.get_by_role("status").filter(has_text="no longer applies")).to_contain_text(
        "has no Image size choice, so 4K no longer applies."
    )
    expect(page.get_by_label("Image size")).to_have_count(0)
    expect(form.locator("[name=image_size]")).to_have_count(0)
    expect(page.get_by_label("Images", exact=True)).to_have_value("2")

    page.get_by_role("button", name="Generate").click()
    expect(page.locator("article.generation-card").first).to_be_visible()
    generation = Generation.objects.get()
    assert (generation.model.openrouter_id, generation.image_size, generation.count) == (
        "black-forest-labs/flux.2-klein-4b",
        "",
        2,
    )
