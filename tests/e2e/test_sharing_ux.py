"""Issue 15's share pages in a real browser at 1440×900 and 390×844: the members' list without sideways
scrolling, Revoke not the loudest button; public pages with two or more columns, arrow keys, Shared by and
Expires; axe-core on them, light and dark."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gallery.models import Collection, CollectionItem
from sharing import services as sharing_services
from tests.fixtures.axe import axe_violations
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def shared(member, make_image):
    images = [
        make_image(owner=member, prompt=f"shared picture {n}", color=(n * 20, 80, 90)) for n in range(4)
    ]
    collection = Collection.objects.create(owner=member, title="Coast")
    for image in images:
        CollectionItem.objects.create(collection=collection, image=image)
    collection_link = sharing_services.link_create(
        created_by=member, target=collection, expiry="30d", label="For Ana"
    )
    image_link = sharing_services.link_create(created_by=member, target=images[0], expiry="7d")
    return {"images": images, "collection_link": collection_link, "image_link": image_link}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_the_list_fits_a_phone_and_revoke_is_quiet(live_server, page, shared, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "mira")
    page.goto(live_server.url + reverse("sharing:link_list"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    expect(page.get_by_role("link", name="For Ana")).to_be_visible()
    views = page.locator("td[data-label=Views]").first
    expect(views).to_be_visible()
    assert views.bounding_box()["x"] + views.bounding_box()["width"] <= viewport["width"]
    revoke = page.get_by_role("button", name="Revoke").first
    expect(revoke).to_have_class("secondary outline")
    expect(page.get_by_text("a link can be copied only when it is made")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_a_public_collection_has_columns_arrow_keys_and_says_who_shared_it(
    live_server, browser, shared, viewport
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    token = shared["collection_link"].token
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.get_by_text("Shared by mira")).to_be_visible()
    expect(page.get_by_text("Expires")).to_be_visible()
    tops = page.locator(".share-grid li").evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
    )
    assert tops.count(tops[0]) >= 2  # two or more a row, also on a phone
    page.locator(".share-grid a").nth(1).click()  # a middle image: both Previous and Next
    expect(page.get_by_role("button", name="Next image")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred script that listens for the keys has run
    first_url = page.url
    page.keyboard.press("ArrowRight")
    expect(page).not_to_have_url(first_url)
    expect(page.get_by_role("button", name="Previous image")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(first_url)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_share_pages(live_server, browser, page, shared, scheme):
    outsider = browser.new_context(color_scheme=scheme).new_page()
    for path in (f"/s/{shared['collection_link'].token}/", f"/s/{shared['image_link'].token}/"):
        outsider.goto(live_server.url + path)
        assert axe_violations(outsider) == [], path
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url, "mira")
    for path in (
        reverse("sharing:link_list"),
        reverse("sharing:link_detail", args=[shared["image_link"].link.pk]),
    ):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
