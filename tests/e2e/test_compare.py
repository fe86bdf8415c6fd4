"""Compare in a real browser: a three-model board, submitted from the Compare page, fills live through its
one poll as the worker finishes each model (the stand-in fails one of them: a failure cell with its reason)."""

import re

import pytest
from playwright.sync_api import expect

from compare.models import Board
from compare.tests.helpers import FLUX, GEMINI_3, KLEIN
from tests.fixtures.browser import loaded_natural_width, log_in
from tests.fixtures.generations import running_task_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_three_model_board_fills_live_with_one_failure_cell(live_server, page, member, image_models, tag):
    # "-once": the first of the three requests the stand-in sees is refused, the other two draw; the latency
    # keeps the drawing ones running while the page is first shown.
    prompt = f"a red kite over hills {tag} [fault:400-once] [latency:2]"
    log_in(page, live_server.url, member.username)
    page.get_by_role("link", name="Compare").first.click()
    expect(page.get_by_role("heading", name="Compare models")).to_be_visible()

    page.get_by_label("Prompt").fill(prompt)
    for model_id in (FLUX, KLEIN, GEMINI_3):
        page.get_by_label(re.compile(re.escape(image_models[model_id].name))).check()
    expect(page.locator("#estimate")).to_contain_text("The whole board may cost up to")
    # As a member would, pick the size once the settings have followed the last tick (htmx marks the
    # element asking with htmx-request while it waits): a select replaced in the very instant it is picked
    # from would lose the pick, which no hand is quick enough to do.
    expect(page.locator(".compare-choices.htmx-request")).to_have_count(0)
    # The settings follow each change (an htmx request); leaving the page with one in flight aborts it, which
    # htmx logs as an error, so the click waits for the answer to the last change.
    with page.expect_response(
        lambda response: "/compare/settings" in response.url and "image_size=2K" in response.url
    ):
        page.get_by_label("Image size").select_option("2K")
    expect(page.get_by_label("Image size")).to_have_value("2K")
    page.get_by_role("button", name="Compare").click()

    expect(page).to_have_url(re.compile(r"/compare/boards/\d+/$"))
    board = Board.objects.get(prompt=prompt)
    cells = page.locator("section.board-cell")
    expect(cells).to_have_count(3)
    # No worker yet: every column waits in the queue, and the page polls.
    expect(page.locator("#board-columns progress")).to_have_count(3)
    expect(page.locator("#board-columns")).to_have_attribute("hx-trigger", "load delay:1s")
    page.evaluate("window.boardPageMark = true")  # gone if the page were reloaded instead of swapped

    with running_task_worker():
        expect(page.locator("#board-columns")).to_have_attribute("aria-busy", "false", timeout=60_000)
    assert page.evaluate("window.boardPageMark") is True
    expect(page.locator("#board-columns")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    failed = page.locator("section.board-cell-failed")
    expect(failed).to_have_count(1)
    expect(failed.get_by_role("alert")).to_contain_text("Failed:")
    images = page.locator("section.board-cell img")
    expect(images).to_have_count(2)
    for index in range(2):
        assert loaded_natural_width(images.nth(index)) > 0
    klein = cells.filter(has_text=image_models[KLEIN].name)
    expect(klein).to_contain_text("Ignored: 2K")
    for cell in cells.all():
        if "board-cell-failed" not in (cell.get_attribute("class") or ""):
            expect(cell.locator('[data-fact="cost"]')).to_have_text(re.compile(r"^\$\d"))
            expect(cell.locator('[data-fact="time"]')).to_have_text(re.compile(r"^\d+\.\d s$"))
            expect(cell.locator('[data-fact="provider"]')).not_to_have_text("—")
    assert board.cells.count() == 3
