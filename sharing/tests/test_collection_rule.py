"""A share link shows only images its maker may share at the moment of viewing: their own, or anyone's for
staff. Alice's collection holding Bob's image must not publish Bob's image to strangers (issue 13, #1)."""

import pytest
from django.test import Client
from django.urls import reverse

from gallery import files
from gallery.models import Collection, CollectionItem
from sharing.tests.helpers import body, meta_tags, page_urls, share_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_and_bob(member, other_member, make_image):
    alice, bob = member, other_member
    alices = make_image(owner=alice, prompt="alice's own fox", color=(10, 20, 30))
    bobs = make_image(owner=bob, prompt="bob's private owl", color=(200, 10, 10))
    collection = Collection.objects.create(owner=alice, title="Mixed")
    CollectionItem.objects.create(collection=collection, image=bobs)  # the newest: it would be the cover
    CollectionItem.objects.create(collection=collection, image=alices)
    CollectionItem.objects.filter(image=bobs).update(
        added_at=CollectionItem.objects.get(image=alices).added_at
    )
    return alices, bobs, collection


def every_byte_address(token, image_id):
    return {
        name: share_url(name, token, image_id=image_id)
        for name in ("item", "original", "thumbnail", "download")
    }


def test_a_strangers_view_of_alices_collection_link_never_reaches_bobs_image(
    alice_and_bob, make_link, member
):
    alices, bobs, collection = alice_and_bob
    token = make_link(collection, created_by=member).token
    stranger = Client()

    page = stranger.get(share_url("page", token))
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 image" in html
    assert not [url for url in page_urls(html) if f"/i/{bobs.pk}/" in url]
    assert f"/i/{bobs.pk}/" not in meta_tags(html).get("og:image", "")
    for name, address in every_byte_address(token, bobs.pk).items():
        assert stranger.get(address).status_code == 404, name
    for name, address in every_byte_address(token, alices.pk).items():
        assert stranger.get(address).status_code == 200, name

    archive = body(stranger.get(share_url("zip", token)))
    stored = (bobs.file_name, alices.file_name)
    assert files.read_file(name=stored[0]) not in archive
    assert files.read_file(name=stored[1]) in archive


def test_a_staff_link_shows_every_image_and_the_owner_sees_it(alice_and_bob, make_link, staff, other_member):
    _, bobs, collection = alice_and_bob
    token = make_link(collection, created_by=staff, label="for the press").token

    assert Client().get(share_url("original", token, image_id=bobs.pk)).status_code == 200

    bob = Client()
    bob.force_login(other_member)
    image_page = bob.get(reverse("gallery:image_detail", args=[bobs.pk])).content.decode()
    assert "Shared by links" in image_page
    assert "Collection “Mixed”" in image_page
    assert staff.get_username() in image_page
    assert "for the press" not in image_page  # the label is the maker's own note


def test_the_owner_sees_no_link_that_cannot_show_their_image(alice_and_bob, make_link, member, other_member):
    _, bobs, collection = alice_and_bob
    make_link(collection, created_by=member)
    bob = Client()
    bob.force_login(other_member)

    image_page = bob.get(reverse("gallery:image_detail", args=[bobs.pk])).content.decode()

    assert "No share link shows this image." in image_page


def test_the_rule_holds_at_the_moment_of_viewing(alice_and_bob, make_link, member):
    _alices, bobs, collection = alice_and_bob
    member.is_staff = True
    member.save()
    token = make_link(collection, created_by=member).token
    assert Client().get(share_url("original", token, image_id=bobs.pk)).status_code == 200

    member.is_staff = False  # no longer staff: their link stops showing other members' images
    member.save()

    assert Client().get(share_url("original", token, image_id=bobs.pk)).status_code == 404


def test_the_create_page_says_how_many_images_are_left_out_and_why(alice_and_bob, member_client):
    _, _, collection = alice_and_bob

    html = member_client.get(reverse("sharing:create") + f"?collection={collection.pk}").content.decode()

    assert "1 of its 2 images will be left out" in html
    assert "they belong to other members" in html


def test_staff_are_told_nothing_is_left_out(alice_and_bob, staff_client):
    _, _, collection = alice_and_bob

    html = staff_client.get(reverse("sharing:create") + f"?collection={collection.pk}").content.decode()

    assert "left out" not in html
