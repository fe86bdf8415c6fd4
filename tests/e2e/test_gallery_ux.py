"""Issue 15 in a real browser at 1440×900 and 390×844: the phone gallery, selection in place, Back and Esc
to the same grid position, the lightbox by keyboard, and axe-core on the pages, light and dark."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gallery.models import Collection, CollectionItem
from sharing import services as sharing_services
from tests.fixtures.axe import axe_violations
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
SHAPES = [(64, 64), (112, 64), (64, 112), (96, 64), (64, 96), (128, 56)]


@pytest.fixture
def many_images(member, other_member, make_image):
    return [
        make_image(
            owner=(member, other_member)[n % 2],
            prompt=f"picture number {n}",
            width=SHAPES[n % len(SHAPES)][0],
            height=SHAPES[n % len(SHAPES)][1],
            color=(n * 3, 100, 200 - n * 2),
        )
        for n in range(70)  # more than a page (60): the second page loads as the member scrolls
    ]


def rows_of(page) -> list[int]:
    """How many tiles share each row among the first loaded tiles (by their top edge)."""
    tops = page.locator("#gallery-results li.tile").evaluate_all(
        "tiles => tiles.slice(0, 12).map(t => Math.round(t.getBoundingClientRect().top))"
    )
    return [tops.count(top) for top in sorted(set(tops))]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_the_first_tile_is_on_the_first_screen_with_two_or_more_tiles_a_row(
    live_server, page, many_images, viewport
):
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    first = page.locator("#gallery-results li.tile").first
    box = first.bounding_box()
    assert box["y"] + 40 < viewport["height"], box
    assert min(rows_of(page)[:-1]) >= (2 if viewport is PHONE else 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scroll
    if viewport is PHONE:
        expect(page.get_by_role("link", name="Collections")).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(page.get_by_role("link", name="Collections")).to_be_visible()
        expect(page.get_by_label("Search", exact=True)).to_be_hidden()
        page.get_by_text("Search and filters", exact=True).click()
    page.get_by_label("Mine").check()
    chip = page.get_by_role("list", name="Active filters").get_by_role(
        "link", name=re.compile(r"^Mine\W+remove")
    )
    expect(chip).to_be_visible()
    chip.click()
    expect(page).to_have_url(f"{live_server.url}/gallery/")
    expect(page.get_by_role("list", name="Active filters")).to_have_count(0)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_a_picture_alone_on_the_last_row_keeps_its_shape(live_server, page, member, make_image, viewport):
    """Rows are justified, but the last one is not stretched: a lone square there stays square (not a wide
    crop of it)."""
    make_image(owner=member, prompt="a square picture", width=64, height=64, color=(200, 40, 40))
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    tile = page.locator("#gallery-results li.tile .tile-image")
    expect(tile).to_have_count(1)
    box = tile.bounding_box()
    assert abs(box["width"] - box["height"]) <= 2, box


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_select_all_clear_and_delete_in_place_keep_the_loaded_pages(live_server, page, many_images, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    tiles = page.locator("#gallery-results li.tile")
    count = page.locator("[data-selection-count]")
    delete = page.get_by_role("button", name="Delete")
    expect(count).to_have_text("0")
    expect(delete).to_be_disabled()
    expect(page.get_by_role("button", name="Download ZIP")).to_be_disabled()

    page.locator("#grid-more").scroll_into_view_if_needed()  # the second page arrives
    expect(tiles).to_have_count(70)
    page.get_by_role("button", name="Select all").click()
    expect(count).to_have_text("70")
    page.get_by_role("button", name="Clear", exact=True).click()
    expect(count).to_have_text("0")

    theirs, mine = many_images[-1], many_images[-2]  # newest first: otto's, then mira's
    page.get_by_label(f"Select image {theirs.pk}", exact=True).check()
    expect(count).to_have_text("1")
    expect(delete).to_be_disabled()  # nothing of mira's is selected
    page.get_by_label(f"Select image {mine.pk}", exact=True).check()
    expect(page.locator(f"#tile-{mine.pk} .tile-image")).to_have_css("outline-style", "solid")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    scrolled = page.evaluate("window.scrollY")
    delete.click()
    status = page.locator("#selection-status")
    expect(status).to_contain_text("Moved 1 image to the trash.")
    expect(status).to_contain_text("1 image belongs to another member and stayed in the gallery.")
    expect(page.locator(f"#tile-{mine.pk}")).to_have_count(0)
    expect(tiles).to_have_count(69)  # both pages are still there
    expect(count).to_have_text("1")
    assert page.evaluate("window.scrollY") > scrolled / 2
    expect(status.get_by_role("link", name="Open the trash")).to_be_visible()
    status.get_by_role("button", name="Undo").click()
    expect(page.locator("#selection-status")).to_contain_text("Restored 1 image to the gallery.")


def test_back_and_esc_return_to_the_same_place_in_the_grid(live_server, page, many_images):
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/")
    tiles = page.locator("#gallery-results li.tile")
    page.locator("#grid-more").scroll_into_view_if_needed()
    expect(tiles).to_have_count(70)
    oldest = many_images[0]
    page.locator(f"#tile-{oldest.pk} .tile-image").click()
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{oldest.pk}/")
    # The address changes when the new page starts arriving; its script listens for Esc once it has run.
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/gallery/")
    expect(tiles).to_have_count(70)  # the second page is back without scrolling for it
    expect(page.locator(f"#tile-{oldest.pk} .tile-image")).to_be_focused()
    assert page.locator(f"#tile-{oldest.pk}").bounding_box()["y"] < PHONE["height"]

    page.locator(f"#tile-{oldest.pk} .tile-image").click()
    page.get_by_role("link", name="← Back to the gallery").click()
    expect(tiles).to_have_count(70)
    expect(page.locator(f"#tile-{oldest.pk} .tile-image")).to_be_focused()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_the_lightbox_fits_the_window_zooms_moves_and_closes_by_keyboard(
    live_server, page, member, make_image, viewport
):
    older = make_image(owner=member, prompt="the older picture", width=1600, height=1200, color=(10, 10, 10))
    newer = make_image(owner=member, prompt="the newer picture", width=1600, height=1200, color=(20, 20, 20))
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/gallery/images/{newer.pk}/")
    opener = page.locator("a[data-lightbox]")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="The image, full window")
    expect(dialog).to_be_visible()
    picture = dialog.get_by_role("img")
    box = picture.bounding_box()
    assert box["width"] <= viewport["width"] + 1
    assert box["height"] <= viewport["height"] + 1
    picture.click()  # a second click: 100%
    expect(picture).to_have_js_property("offsetWidth", 1600)
    page.keyboard.press("ArrowRight")  # newest first: → is the older one, still in the lightbox
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{older.pk}/#view")
    expect(page.get_by_role("dialog", name="The image, full window")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{older.pk}/#view")  # Esc closed, didn't leave


def member_pages(image, collection, empty, link):
    return [
        reverse("gallery:index"),
        reverse("gallery:image_detail", args=[image.pk]),
        reverse("gallery:collection_list"),
        reverse("gallery:collection_detail", args=[collection.pk]),
        reverse("gallery:collection_detail", args=[empty.pk]),
        reverse("gallery:trash"),
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_axe_finds_nothing_on_the_gallery_pages(live_server, page, member, make_image, scheme, viewport):
    image = make_image(owner=member, prompt="a lighthouse")
    collection = Collection.objects.create(owner=member, title="Coast")
    CollectionItem.objects.create(collection=collection, image=image)
    empty = Collection.objects.create(owner=member, title="Ideas")
    link = sharing_services.link_create(created_by=member, target=image, expiry="30d")
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url, "mira")
    found = {}
    for path in member_pages(image, collection, empty, link):
        page.goto(live_server.url + path)
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}
