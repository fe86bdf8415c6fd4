"""Shared pages never show lineage: a link shows its image, not what it was made from or what came of it."""

import pytest

from gallery import services as gallery_services
from sharing.tests.helpers import share_url

pytestmark = pytest.mark.django_db


def test_share_pages_show_no_parents_children_or_family(
    stranger, member, make_image, make_collection, make_link
):
    parent = make_image(owner=member, prompt="the first draft", color=(1, 1, 1))
    shared = make_image(owner=member, prompt="the final poster", color=(2, 2, 2))
    child = make_image(owner=member, prompt="a later variant", color=(3, 3, 3))
    gallery_services.image_parents_record(child=shared, parents=[(parent.pk, "remix")])
    gallery_services.image_parents_record(child=child, parents=[(shared.pk, "retry")])
    token = make_link(shared, show_details=True).token
    collection_token = make_link(make_collection(images=[shared]), show_details=True).token

    pages = [
        stranger.get(share_url("page", token)).content.decode(),
        stranger.get(share_url("page", collection_token)).content.decode(),
        stranger.get(share_url("item", collection_token, image_id=shared.pk), follow=True).content.decode(),
    ]

    for html in pages:
        assert "the final poster" in html  # details are on, so the page does show its own prompt
        for leak in ("Made from", "Lineage", "lineage", "the first draft", "a later variant"):
            assert leak not in html
        assert f"/{parent.pk}/" not in html
        assert f"/{child.pk}/" not in html
