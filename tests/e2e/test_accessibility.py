"""Every control on every page has a visible label, and every button says what it does."""

import pytest
from django.urls import reverse

from compare import services as compare_services
from gallery.models import Collection, CollectionItem
from imagegen.models import ImageModel
from sharing import services as sharing_services
from team import services as team_services
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in the page: controls a person can use, and what a screen reader and an eye would read for them.
FIND_UNLABELLED = """() => {
  const visible = el => el.checkVisibility({checkVisibilityCSS: true, contentVisibilityAuto: true});
  const problems = [];
  for (const control of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button'].includes(control.type) || !visible(control)) continue;
    const labels = Array.from(control.labels || []).filter(label => visible(label) && label.innerText.trim());
    if (!labels.length) problems.push(`${control.outerHTML.slice(0, 120)} has no visible label`);
  }
  for (const button of document.querySelectorAll('button, [role=button], input[type=submit]')) {
    if (!visible(button)) continue;
    const text = (button.innerText || button.value || '').trim();
    if (!text) problems.push(`${button.outerHTML.slice(0, 120)} says nothing`);
  }
  return problems;
}"""


def test_every_page_labels_its_controls(live_server, page, browser, staff, member, make_image, image_models):
    image = make_image(owner=staff, prompt="a lighthouse")
    collection = Collection.objects.create(owner=staff, title="Coast")
    CollectionItem.objects.create(collection=collection, image=image)
    link = sharing_services.link_create(created_by=staff, target=collection, expiry="30d")
    _, invite = team_services.invite_create(created_by=staff)
    board = compare_services.board_create(
        member=staff, models=list(ImageModel.objects.filter(enabled=True)[:2]), prompt="two herons"
    )
    board_link = sharing_services.link_create(created_by=staff, target=board, expiry="30d")

    signed_out = browser.new_context()
    public = signed_out.new_page()
    for path in (
        reverse("login"),
        reverse("share:page", args=[link.token]),
        reverse("share:page", args=[board_link.token]),
        reverse("team:invite", args=[invite]),
    ):
        public.goto(live_server.url + path)
        assert public.evaluate(FIND_UNLABELLED) == [], path
    signed_out.close()

    log_in(page, live_server.url, "sam")
    pages = [
        reverse("imagegen:generate"),
        reverse("gallery:index"),
        reverse("gallery:image_detail", args=[image.pk]),
        reverse("gallery:collection_list"),
        reverse("gallery:collection_detail", args=[collection.pk]),
        reverse("gallery:collection_edit", args=[collection.pk]),
        reverse("gallery:trash"),
        reverse("sharing:link_list"),
        reverse("sharing:create") + f"?image={image.pk}",
        reverse("sharing:link_detail", args=[link.link.pk]),
        reverse("team:dashboard"),
        reverse("compare:compare"),
        reverse("compare:board_detail", args=[board.pk]),
        reverse("compare:board_list"),
        reverse("sharing:create") + f"?board={board.pk}",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert page.evaluate(FIND_UNLABELLED) == [], path
