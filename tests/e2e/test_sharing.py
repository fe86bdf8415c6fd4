"""A member shares an image; a stranger opens, sees only the image, downloads it; a revoke shuts them out."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from gallery.models import Collection, CollectionItem
from sharing import services
from sharing.models import Expiry
from tests.fixtures.browser import loaded_natural_width, log_in
from tests.fixtures.media import stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.media]


def collect_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_share_an_image_open_it_signed_out_download_it_then_revoke_it(
    live_server, page, browser, member, make_image
):
    image = make_image(owner=member, prompt="a red fox in the snow", color=(200, 60, 40))
    original = stored(image.file_name).read_bytes()
    member_violations = collect_csp_violations(page)

    # The member makes a link on the page the gallery's Share button opens.
    log_in(page, live_server.url, "mira")
    page.goto(f"{live_server.url}/shared/new/?image={image.pk}")
    expect(page.get_by_label("30 days")).to_be_checked()
    expect(page.get_by_label("Allow download")).to_be_checked()
    expect(page.get_by_label("Show prompt and details")).not_to_be_checked()
    page.get_by_label("Label (only you see it)").fill("For the client")
    page.get_by_role("button", name="Create link").click()

    share_field = page.get_by_label("Share link")
    expect(share_field).to_have_attribute("readonly", "")
    share_url = share_field.input_value()
    assert share_url.startswith(f"{live_server.url}/s/")
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the share link")).to_be_visible()

    # A stranger: a fresh browser context, never signed in.
    stranger = browser.new_context(accept_downloads=True)
    public = stranger.new_page()
    public_violations = collect_csp_violations(public)
    response = public.goto(share_url)
    assert response.status == 200
    picture = public.get_by_role("img", name="Shared image")
    expect(picture).to_be_visible()
    assert loaded_natural_width(picture) == image.width
    expect(public.locator("img")).to_have_count(1)  # only the shared image
    expect(public.locator("nav")).to_have_count(0)  # no app navigation
    # The one member name an outsider sees is who shared it (issue 15 asks for "Shared by").
    expect(public.get_by_text("mira")).to_have_count(1)
    expect(public.locator(".share-provenance")).to_contain_text("Shared by mira")
    expect(public.get_by_text(image.prompt)).to_have_count(0)  # details are off
    with public.expect_download() as download_info:
        public.get_by_role("button", name="Download").click()
    download = download_info.value
    assert Path(download.path()).read_bytes() == original
    assert download.suggested_filename == f"{image.created_at:%Y-%m-%d}-image.png"

    # Back as the member: the list shows the link and its view; revoke it.
    page.goto(f"{live_server.url}/shared/")
    row = page.get_by_role("row").filter(has_text="For the client")
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(page.get_by_role("row").filter(has_text="For the client")).to_contain_text("Revoked")

    # The very next request from the stranger is refused, the image bytes included.
    response = public.goto(share_url)
    assert response.status == 404
    expect(public.get_by_role("heading", name="This link doesn't work")).to_be_visible()
    image_response = public.request.get(f"{share_url}i/{image.pk}/original")
    assert image_response.status == 404

    assert public_violations == []
    assert member_violations == []
    stranger.close()


def test_a_password_link_opens_in_a_browser_only_after_the_password(
    live_server, browser, member, make_image, settings
):
    images = [make_image(owner=member, prompt=f"fox {n}", color=(50 * n, 80, 120)) for n in range(2)]
    collection = Collection.objects.create(owner=member, title="Winter foxes")
    for image in images:
        CollectionItem.objects.create(collection=collection, image=image)
    token = services.link_create(
        created_by=member, target=collection, expiry=Expiry.WEEK, password="open-sesame-42"
    ).token
    share_url = f"{live_server.url}/s/{token}/"

    stranger = browser.new_context()
    public = stranger.new_page()
    violations = collect_csp_violations(public)
    public.goto(share_url)
    expect(public.get_by_role("heading", name="Password needed")).to_be_visible()
    expect(public.locator("meta[property^='og:']")).to_have_count(0)
    assert public.request.get(f"{share_url}i/{images[0].pk}/thumbnail").status == 403

    public.get_by_label("Password").fill("not-the-password")
    public.get_by_role("button", name="Unlock").click()
    expect(public.get_by_role("alert")).to_contain_text("That password isn't right")

    public.get_by_label("Password").fill("open-sesame-42")
    public.get_by_role("button", name="Unlock").click()
    expect(public.get_by_role("heading", name="Winter foxes")).to_be_visible()
    thumbnails = public.locator(".share-grid img")
    expect(thumbnails).to_have_count(2)
    for n in range(2):
        assert loaded_natural_width(thumbnails.nth(n)) > 0
    assert violations == []
    stranger.close()
