"""Generate in a real browser: live stages, the image in the card, the gallery, the download."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

import openrouter
from tests.fixtures.browser import log_in
from tests.fixtures.generations import running_task_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _generate_page_known_console_errors(expected_console_errors):
    """Chromium logs the form's 422 answer to a refused submission as a console error: that status is how
    htmx is told to swap the form's errors in, so it is expected here and nowhere else."""
    expected_console_errors.append("status of 422 (Unprocessable Content)")


def test_generate_watch_it_arrive_open_it_and_download_the_exact_bytes(
    live_server, page, member, image_models, task_worker, standin_client, tag, tmp_path
):
    prompt = f"a red lighthouse at dusk {tag} [latency:3]"
    log_in(page, live_server.url, "mira")

    page.get_by_label("Prompt").fill(prompt)
    page.get_by_label("Aspect ratio").select_option(label="16:9 — 1344×768")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.generation-card").filter(has_text=prompt)
    expect(card).to_be_visible()
    stages = set()
    deadline = time.monotonic() + 30
    image = card.get_by_role("img", name=prompt)
    while image.count() == 0:
        assert time.monotonic() < deadline, f"no image; stages seen: {stages}"
        stages.update(card.locator(".stage-name").all_inner_texts())  # no waiting: the card is swapped often
        page.wait_for_timeout(100)
    assert len(stages) >= 2, stages
    assert "Model working" in stages

    image.click()
    expect(page).to_have_url(re.compile(r"/gallery/images/\d+/"))
    expect(page.get_by_text(prompt).first).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download", exact=True).click()
    saved = tmp_path / "download.png"
    download_info.value.save_as(saved)

    # The stand-in draws the same picture for the same request: ask it directly, as a bare client.
    sent = standin_client.generate(
        openrouter.ImageRequest(
            model="google/gemini-2.5-flash-image",
            prompt=prompt,
            output_modalities=("image", "text"),
            aspect_ratio="16:9",
            image_size="1K",
        )
    )
    assert Path(saved).read_bytes() == sent.images[0].data
    assert download_info.value.suggested_filename.endswith(".png")


def test_out_of_credits_shows_a_plain_message_and_try_again(
    live_server, page, member, image_models, task_worker, tag
):
    prompt = f"a castle [fault:402] {tag}"
    log_in(page, live_server.url, "mira")
    page.get_by_label("Prompt").fill(prompt)
    page.keyboard.press("Control+Enter")

    card = page.locator("article.generation-card").filter(has_text=prompt)
    failure = card.get_by_role("alert")
    expect(failure).to_contain_text("Failed:", timeout=20_000)
    expect(failure).to_contain_text("credits")
    expect(card.get_by_role("button", name="Try again")).to_be_visible()
    assert "Traceback" not in card.inner_text()

    # Trying again adds a new card, which the page's poller follows to its own end.
    card.get_by_role("button", name="Try again").click()
    cards = page.locator("article.generation-card").filter(has_text=prompt)
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_role("alert")).to_contain_text("credits", timeout=20_000)


def test_several_cards_run_at_once_and_one_request_keeps_them_all_live(
    live_server, page, member, image_models, task_worker, tag
):
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/generations/" in request.url else None)
    log_in(page, live_server.url, "mira")
    prompts = [f"a lantern {n} {tag} [latency:2]" for n in range(3)]
    started = time.monotonic()
    for prompt in prompts:
        page.get_by_label("Prompt").fill(prompt)
        page.get_by_role("button", name="Generate").click()
        expect(page.locator("article.generation-card").filter(has_text=prompt)).to_be_visible()
    for prompt in prompts:
        card = page.locator("article.generation-card").filter(has_text=prompt)
        expect(card.get_by_role("img", name=prompt)).to_be_visible(timeout=30_000)
        # The image is stored a moment before the row is final: a poll in between shows it on a card
        # that is still running (found by CI), and the page rightly asks once more.
        expect(card).to_have_class(re.compile(r"\bstatus-succeeded\b"))
    seconds = time.monotonic() - started

    assert polls
    assert all("/generations/updates/?" in url for url in polls), set(polls)
    assert len(polls) <= seconds * 2 + 3, "one request every 500 ms for the page, not one per card"
    ids = page.locator("article.generation-card").evaluate_all(
        "cards => cards.map(card => card.id.split('-')[1])"
    )
    assert len(ids) == 3
    assert all(f"live={pk}" in " ".join(polls) for pk in ids)  # every card was asked for
    settled = len(polls)
    page.wait_for_timeout(1500)
    assert len(polls) == settled, "with nothing running the page stops asking"


def test_a_refused_submission_shows_its_message_beside_the_field(
    live_server, page, member, image_models, tag
):
    log_in(page, live_server.url, "mira")
    page.get_by_role(
        "button", name="Generate"
    ).click()  # no prompt: the server refuses (422), htmx swaps it in

    expect(page.get_by_text("Write a prompt describing the image.")).to_be_visible()
    expect(page.get_by_label("Prompt")).to_have_attribute("aria-invalid", "true")
    assert "generation-card" not in page.content()

    # Then three submissions: the refusal clears, the form keeps its settings, and each makes its own card.
    page.get_by_label("Prompt").fill(f"a quiet harbour {tag}")
    page.get_by_label("Aspect ratio").select_option(label="16:9 — 1344×768")
    page.get_by_role("button", name="Generate").click()
    cards = page.locator("article.generation-card")
    expect(cards).to_have_count(1)
    expect(page.get_by_text("Write a prompt describing the image.")).to_have_count(0)
    for count, prompt in enumerate((f"a busy harbour {tag}", f"a calm harbour {tag}"), start=2):
        page.get_by_label("Prompt").fill(prompt)
        page.get_by_role("button", name="Generate").click()
        expect(cards).to_have_count(count)
        expect(cards.first).to_contain_text(prompt)
        expect(cards.first).to_contain_text("16:9")
        expect(page.get_by_label("Prompt")).to_have_value(prompt)


def test_members_are_told_when_no_worker_is_running_and_the_notice_goes_when_one_starts(
    live_server, page, member, image_models, tag
):
    """No worker at first: the queued card waits and the page says why; a worker starts and the notice
    leaves, both through the page's poll (the page is never reloaded)."""
    log_in(page, live_server.url, "mira")
    notice = page.get_by_role("status").filter(has_text="No worker is running")
    expect(notice).to_have_count(0)
    page.evaluate("window.easelSamePage = true")

    prompt = f"a patient lighthouse {tag}"
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_role("button", name="Generate").click()
    card = page.locator("article.generation-card").filter(has_text=prompt)
    expect(card.locator(".stage-name")).to_have_text("Queued")
    expect(notice).to_have_text(
        "No worker is running: your generations will start when it is back.", timeout=20_000
    )

    with running_task_worker():
        expect(notice).to_have_count(0, timeout=30_000)
        expect(card.get_by_role("img", name=prompt)).to_be_visible(timeout=30_000)
    assert page.evaluate("window.easelSamePage") is True
