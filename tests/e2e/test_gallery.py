"""The gallery in a real browser: search, favourites, selection and ZIP, trash and restore, keys, no CSP errors."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gallery.models import Collection
from tests.fixtures.browser import log_in
from tests.fixtures.media import stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.media]


@pytest.fixture
def csp_violations(page):
    """Console errors the Content Security Policy reports (inline script or style would show up here)."""
    found = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return found


@pytest.fixture
def gallery(live_server, page, member, make_image):
    images = {
        "fox": make_image(owner=member, prompt="A red fox in the snow", color=(200, 60, 40)),
        "whale": make_image(owner=member, prompt="A blue whale singing", color=(40, 60, 200)),
        "owl": make_image(owner=member, prompt="An owl at night", color=(90, 90, 90)),
    }
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    return images


def tiles(page):
    return page.locator("#gallery-results li.tile")


def test_search_narrows_the_grid_and_lives_in_the_url(live_server, page, gallery, csp_violations):
    expect(tiles(page)).to_have_count(3)
    page.get_by_label("Search", exact=True).fill("whale")
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page).first).to_contain_text("A blue whale singing")
    expect(page).to_have_url(f"{live_server.url}/gallery/?q=whale")

    page.reload()  # the URL alone brings the same view back
    expect(tiles(page)).to_have_count(1)
    expect(page.get_by_label("Search", exact=True)).to_have_value("whale")
    assert csp_violations == []


def test_favourite_an_image_then_filter_by_favourites(live_server, page, gallery, csp_violations):
    owl_tile = tiles(page).filter(has_text="An owl at night")
    star = owl_tile.get_by_role("button", name="Favourite")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(owl_tile.get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("My favourites").check()
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page).first).to_contain_text("An owl at night")
    expect(page).to_have_url(f"{live_server.url}/gallery/?favourites=1")
    assert csp_violations == []


def test_select_two_images_and_download_them_as_a_zip(page, gallery, csp_violations):
    fox, whale = gallery["fox"], gallery["whale"]
    page.get_by_label(f"Select image {fox.pk}", exact=True).check()
    page.get_by_label(f"Select image {whale.pk}", exact=True).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download ZIP").click()
    download = download_info.value
    assert re.fullmatch(r"easel-\d{4}-\d\d-\d\d-2-images\.zip", download.suggested_filename)

    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    contents = sorted(archive.read(name) for name in archive.namelist())
    originals = sorted(stored(image.file_name).read_bytes() for image in (fox, whale))
    assert contents == originals
    assert csp_violations == []


def test_delete_an_image_then_restore_it_from_the_trash(live_server, page, gallery, csp_violations):
    whale = gallery["whale"]
    tiles(page).filter(has_text="A blue whale singing").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Image by mira")).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/gallery/")
    expect(page.get_by_role("status").first).to_contain_text("Moved 1 image to the trash.")
    expect(tiles(page)).to_have_count(2)
    expect(tiles(page).filter(has_text="A blue whale singing")).to_have_count(0)

    page.get_by_role("link", name="Trash", exact=True).click()
    expect(page.get_by_role("heading", name="Trash", level=1)).to_be_visible()
    page.get_by_role("button", name=f"Restore image {whale.pk}", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Restored 1 image to the gallery.")
    expect(page.get_by_text("The trash is empty.")).to_be_visible()

    page.get_by_role("link", name="Gallery", exact=True).click()
    expect(tiles(page)).to_have_count(3)
    assert csp_violations == []


def test_keys_on_the_image_page(live_server, page, gallery, csp_violations):
    fox, whale, owl = gallery["fox"], gallery["whale"], gallery["owl"]
    page.goto(f"{live_server.url}/gallery/images/{whale.pk}/")
    page.keyboard.press("f")
    expect(page.get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{fox.pk}/")
    # Each key waits for the new page's script: the address changes as soon as the page starts arriving.
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{whale.pk}/")
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{owl.pk}/")
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/gallery/")
    assert csp_violations == []


def test_typing_f_in_the_search_box_is_just_typing(live_server, page, member, gallery):
    page.get_by_label("Search", exact=True).press("f")
    expect(page.get_by_label("Search", exact=True)).to_have_value("f")
    Collection.objects.create(owner=member, title="Foxes")
    page.goto(f"{live_server.url}/gallery/images/{gallery['fox'].pk}/")
    page.get_by_label("Collection", exact=True).press("f")
    expect(page.get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "false")


def test_scrolling_loads_the_next_page(live_server, page, member, make_image, settings):
    settings.GALLERY_PAGE_SIZE = 4
    for n in range(10):
        make_image(owner=member, prompt=f"Picture {n}")
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    expect(tiles(page)).to_have_count(4)
    page.get_by_role("link", name="Next page").scroll_into_view_if_needed()
    expect(tiles(page)).to_have_count(8)
    page.get_by_role("link", name="Next page").scroll_into_view_if_needed()
    expect(tiles(page)).to_have_count(10)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)


def test_no_csp_errors_on_the_other_gallery_pages(live_server, page, gallery, csp_violations):
    page.goto(f"{live_server.url}/gallery/collections/")
    page.get_by_label("Title").fill("Animals")
    page.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("heading", name="Animals", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/gallery/trash/")
    expect(page.get_by_role("heading", name="Trash", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/gallery/images/{gallery['owl'].pk}/")
    page.get_by_role("button", name="Add to collection").click()
    expect(page.get_by_role("status").first).to_contain_text("Added 1 image to “Animals”.")
    assert csp_violations == []
