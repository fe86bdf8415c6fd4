"""Lineage on the image page and the family view: parents and children, the prompt's changes, the total
cost, and placeholders that reveal nothing of images the viewer may not see."""

import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from gallery import lineage, services
from gallery.models import Image, ImageParent

pytestmark = pytest.mark.django_db

REMIX, EDIT, RETRY = ImageParent.Kind.REMIX, ImageParent.Kind.EDIT, ImageParent.Kind.RETRY


def link(child, *parents, kind=REMIX):
    services.image_parents_record(child=child, parents=[(parent.pk, kind) for parent in parents])


def page(client, image) -> str:
    return client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()


def test_the_image_page_shows_parents_and_children(member, member_client, make_image):
    fox = make_image(owner=member, prompt="a red fox", color=(1, 1, 1))
    snow = make_image(owner=member, prompt="a red fox in the snow", color=(2, 2, 2))
    night = make_image(owner=member, prompt="a red fox in the snow at night", color=(3, 3, 3))
    link(snow, fox)
    link(night, snow, kind=RETRY)

    html = page(member_client, snow)

    made_from = html.split('id="made-from"')[1].split("</ul>")[0]
    made_from_this = html.split('id="made-from-this"')[1].split("</ul>")[0]
    assert f"/gallery/images/{fox.pk}/thumbnail" in made_from
    assert "This is a remix of it" in made_from
    assert "<ins>in the snow</ins>" in made_from  # what this image's prompt added to its parent's
    assert f"/gallery/images/{night.pk}/thumbnail" in made_from_this
    assert "Retry of this" in made_from_this
    assert reverse("gallery:image_lineage", args=[snow.pk]) in html


def test_an_image_without_relatives_has_no_lineage_section(member, member_client, make_image):
    assert 'id="lineage-heading"' not in page(member_client, make_image(owner=member))


def test_a_trashed_parent_is_a_placeholder_without_prompt_or_thumbnail(
    member, other_member, member_client, make_image
):
    secret = make_image(owner=other_member, prompt="the client's secret launch", color=(1, 1, 1))
    child = make_image(owner=member, prompt="a poster", color=(2, 2, 2))
    link(child, secret, kind=EDIT)
    Image.objects.filter(pk=secret.pk).update(trashed_at=timezone.now())

    html = page(member_client, child)
    family = member_client.get(reverse("gallery:image_lineage", args=[child.pk])).content.decode()

    for text in (html, family):
        assert "secret launch" not in text
        assert f"/gallery/images/{secret.pk}/thumbnail" not in text
        assert f"/gallery/images/{secret.pk}/" not in text
        assert "An image you can't see" in text


def test_the_family_view_draws_the_tree_and_totals_the_cost(member, member_client, make_image):
    root = make_image(owner=member, prompt="a castle", cost_usd=Decimal("0.04"), color=(1, 1, 1))
    left = make_image(owner=member, prompt="a castle at dawn", cost_usd=Decimal("0.02"), color=(2, 2, 2))
    right = make_image(owner=member, prompt="a castle at dusk", cost_usd=Decimal("0.03"), color=(3, 3, 3))
    both = make_image(owner=member, prompt="two castles", cost_usd=Decimal("0.01"), color=(4, 4, 4))
    link(left, root)
    link(right, root, kind=RETRY)
    link(both, left, right, kind=EDIT)
    make_image(owner=member, prompt="unrelated", cost_usd=Decimal("9"), color=(5, 5, 5))

    html = member_client.get(reverse("gallery:image_lineage", args=[right.pk])).content.decode()

    assert "4 images" in html
    assert "$0.1" in html
    assert html.count("<circle ") == 4
    assert html.count("<line ") == 4
    for image in (root, left, right, both):
        assert f'href="/gallery/images/{image.pk}/"' in html
    assert "unrelated" not in html


def test_a_link_can_only_point_back_in_time_so_there_is_no_cycle(member, make_image):
    old = make_image(owner=member, color=(1, 1, 1))
    new = make_image(owner=member, color=(2, 2, 2))
    link(new, old)

    link(old, new)  # the service drops what would close a cycle
    assert not ImageParent.objects.filter(child=old).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ImageParent.objects.create(child=old, parent=new, kind=REMIX)  # and the database refuses it


def test_a_deep_family_is_found_in_a_bounded_number_of_queries(
    member, member_client, make_images, django_assert_max_num_queries
):
    chain = make_images(300, owner=member, prompt="again")
    ImageParent.objects.bulk_create(
        ImageParent(child=child, parent=parent, kind=RETRY) for parent, child in itertools.pairwise(chain)
    )

    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("gallery:image_lineage", args=[chain[150].pk]))

    assert response.status_code == 200
    assert "300 images" in response.content.decode()


def test_prompt_changes_mark_added_and_removed_words():
    assert lineage.prompt_changes("a red fox at dawn", "a grey fox at dawn in fog") == [
        ("same", "a"),
        ("removed", "red"),
        ("added", "grey"),
        ("same", "fox at dawn"),
        ("added", "in fog"),
    ]
