"""Lineage and Content Credentials in a real browser: the image page shows its parents and children,
the family view opens from it, and a signed image shows its Content Credentials."""

import pytest
from playwright.sync_api import expect

from gallery import services
from gallery.models import ImageParent
from tests.fixtures.browser import loaded_natural_width, log_in
from tests.fixtures.credentials import SIGNER_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_image_page_shows_parents_and_children(live_server, page, member, make_image, signed_png):
    fox = make_image(owner=member, prompt="a red fox", color=(200, 60, 40))
    snow = make_image(owner=member, prompt="a red fox in the snow", data=signed_png)
    night = make_image(owner=member, prompt="a red fox in the snow at night", color=(20, 20, 60))
    services.image_parents_record(child=snow, parents=[(fox.pk, ImageParent.Kind.REMIX)])
    services.image_parents_record(child=night, parents=[(snow.pk, ImageParent.Kind.RETRY)])
    log_in(page, live_server.url, member.username)

    page.goto(f"{live_server.url}/gallery/images/{snow.pk}/")

    made_from = page.locator("#made-from")
    expect(made_from.get_by_role("link")).to_have_attribute("href", f"/gallery/images/{fox.pk}/")
    expect(made_from).to_contain_text("This is a remix of it")
    expect(made_from.locator("ins")).to_have_text("in the snow")
    assert loaded_natural_width(made_from.get_by_role("img")) > 0
    made_from_this = page.locator("#made-from-this")
    expect(made_from_this.get_by_role("link")).to_have_attribute("href", f"/gallery/images/{night.pk}/")
    expect(made_from_this).to_contain_text("Retry of this")
    expect(page.locator("#content-credentials")).to_contain_text(SIGNER_NAME)

    page.get_by_role("link", name="See the whole family").click()
    expect(page.get_by_role("heading", name="Lineage")).to_be_visible()
    expect(page.locator("svg.lineage-tree circle")).to_have_count(3)
    page.locator(f'svg.lineage-tree a[href="/gallery/images/{night.pk}/"]').click()
    expect(page).to_have_url(f"{live_server.url}/gallery/images/{night.pk}/")
