"""Pictures stored in S3 show in a real browser: the gallery's tiles, the image page and a share link,
with nothing in the console (a redirect to the bucket was blocked by the pages' CSP img-src)."""

import pytest
from playwright.sync_api import expect

from sharing import services as sharing_services
from sharing.models import Expiry
from tests.fixtures.browser import loaded_natural_width, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_pictures_in_s3_render_in_the_gallery_and_on_the_image_page(
    live_server, page, member, make_image, s3_media, console_errors
):
    fox = make_image(owner=member, prompt="A red fox in the snow", color=(200, 60, 40), width=640, height=480)
    make_image(owner=member, prompt="An owl at night", color=(90, 90, 90))
    assert fox.file_name in s3_media.object_names()

    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    thumbnails = page.locator("#gallery-results li.tile img")
    expect(thumbnails).to_have_count(2)
    for n in range(2):
        assert loaded_natural_width(thumbnails.nth(n)) > 0

    page.goto(f"{live_server.url}/gallery/images/{fox.pk}/")
    picture = page.locator("main img").first
    assert loaded_natural_width(picture) == 640
    assert console_errors == []


def test_a_shared_picture_in_s3_renders_for_a_stranger(
    live_server, browser, member, make_image, s3_media, console_errors
):
    image = make_image(owner=member, prompt="a heron", color=(20, 120, 160), width=400, height=300)
    token = sharing_services.link_create(created_by=member, target=image, expiry=Expiry.MONTH).token
    stranger = browser.new_context().new_page()
    errors: list[str] = []
    stranger.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    stranger.goto(f"{live_server.url}/s/{token}/")
    picture = stranger.get_by_role("img", name="Shared image")
    assert loaded_natural_width(picture) == 400
    assert errors == []
