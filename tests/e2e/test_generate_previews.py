"""Live previews in a real browser: a model that streams shows its early pictures on the running card, and
the finished image takes their place."""

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records, in the page, when the first preview and the first finished image appear in any card (the poll
# swaps the cards several times a second, so the test must not hope to catch them by looking).
WATCH_CARDS = """() => {
  window.seen = {};
  const note = () => {
    if (!window.seen.preview && document.querySelector('.generation-card img[alt^="Preview"]'))
      window.seen.preview = performance.now();
    if (!window.seen.image && document.querySelector('.generation-images img'))
      window.seen.image = performance.now();
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true});
}"""


def test_a_preview_shows_on_the_card_before_the_image_replaces_it(
    live_server, page, member, image_models, task_worker, tag
):
    prompt = f"a lighthouse in fog {tag} [latency:4]"
    log_in(page, live_server.url, "mira")
    page.get_by_label("Model").select_option(str(image_models["openai/gpt-image-1"].pk))
    page.get_by_label("Prompt").fill(prompt)
    page.evaluate(WATCH_CARDS)
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.generation-card").filter(has_text=prompt)
    expect(card.locator(".generation-images img")).to_be_visible(timeout=30_000)
    seen = page.evaluate("window.seen")
    assert "preview" in seen, "no preview was shown while the model drew"
    assert seen["preview"] < seen["image"]
    # The finished card shows the image, and the preview has gone.
    expect(card.get_by_role("img", name="Preview", exact=False)).to_have_count(0)
