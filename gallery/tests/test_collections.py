"""Collections: named sets of images that everyone sees and their owner (or staff) shapes."""

import re

import pytest
from django.urls import reverse

from gallery import services
from gallery.models import Collection, CollectionItem

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_collection_and_lands_on_it(member, member_client):
    response = member_client.post(
        reverse("gallery:collection_create"), {"title": "  Foxes  ", "description": "Red ones"}, follow=True
    )
    collection = Collection.objects.get()
    assert (collection.title, collection.description, collection.owner) == ("Foxes", "Red ones", member)
    assert response.redirect_chain[-1][0] == f"/gallery/collections/{collection.pk}/"
    html = response.content.decode()
    assert "Created the collection “Foxes”." in html
    assert "<h1>Foxes</h1>" in html
    assert "Red ones" in html
    assert "This collection is empty." in html


def test_a_collection_needs_a_title(member_client):
    response = member_client.post(reverse("gallery:collection_create"), {"title": "", "description": "x"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Collection.objects.exists()


def test_the_list_shows_every_collection_with_its_count_cover_and_owner(
    member, other_member, member_client, make_image
):
    fox, owl = make_image(owner=member, color=(1, 1, 1)), make_image(owner=member, color=(2, 2, 2))
    mine = Collection.objects.create(owner=member, title="Mine")
    theirs = Collection.objects.create(owner=other_member, title="Theirs")
    services.collection_add_images(actor=member, collection=mine, images=[fox, owl])
    services.image_trash(actor=member, images=[owl])

    html = member_client.get(reverse("gallery:collection_list")).content.decode()
    assert f'href="/gallery/collections/{mine.pk}/">Mine</a>' in html
    assert f'href="/gallery/collections/{theirs.pk}/">Theirs</a>' in html
    assert "1 image · mira" in html  # the trashed one doesn't count
    assert "0 images · otto" in html
    assert f'<img src="/gallery/images/{fox.pk}/thumbnail"' in html
    assert "No images yet" in html
    assert 'for="id_title"' in html
    assert ">Create collection</button>" in html


def test_the_list_costs_the_same_queries_for_any_number_of_collections(
    member, member_client, make_image, django_assert_max_num_queries
):
    image = make_image(owner=member)
    for n in range(12):
        collection = Collection.objects.create(owner=member, title=f"C{n}")
        services.collection_add_images(actor=member, collection=collection, images=[image])
    with django_assert_max_num_queries(5):
        member_client.get(reverse("gallery:collection_list"))


def test_adding_the_selected_images_and_again(member, member_client, make_image):
    fox, owl = make_image(owner=member, color=(1, 1, 1)), make_image(owner=member, color=(2, 2, 2))
    collection = Collection.objects.create(owner=member, title="Birds")
    url = reverse("gallery:selection_collect")

    response = member_client.post(url, {"image": [fox.pk], "collection": collection.pk, "next": "/gallery/"})
    assert response["Location"] == "/gallery/"
    response = member_client.post(url, {"image": [fox.pk, owl.pk], "collection": collection.pk}, follow=True)
    assert "Added 1 image to “Birds” (1 image already there)." in response.content.decode()
    assert set(collection.images.values_list("pk", flat=True)) == {fox.pk, owl.pk}


def test_adding_needs_a_collection_and_images(member, member_client, make_image):
    image = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Birds")
    url = reverse("gallery:selection_collect")
    html = member_client.post(url, {"image": [image.pk]}, follow=True).content.decode()
    assert "Choose a collection to add to." in html
    html = member_client.post(url, {"collection": collection.pk}, follow=True).content.decode()
    assert "Select at least one image first." in html
    assert not CollectionItem.objects.exists()


def test_a_collection_page_shows_its_images_and_can_be_searched(member, member_client, make_image):
    fox = make_image(owner=member, prompt="A fox", color=(1, 1, 1))
    owl = make_image(owner=member, prompt="An owl", color=(2, 2, 2))
    outsider = make_image(owner=member, prompt="Another fox", color=(3, 3, 3))
    collection = Collection.objects.create(owner=member, title="Animals")
    services.collection_add_images(actor=member, collection=collection, images=[fox, owl])
    url = reverse("gallery:collection_detail", args=[collection.pk])

    html = member_client.get(url).content.decode()
    assert f"/gallery/images/{fox.pk}/" in html
    assert f"/gallery/images/{owl.pk}/" in html
    assert f"/gallery/images/{outsider.pk}/" not in html
    assert f'action="{url}"' in html  # the filters stay on this page
    assert ">Remove from collection</button>" in html

    response = member_client.get(url, {"q": "fox"}, HTTP_HX_REQUEST="true")
    assert f"/gallery/images/{fox.pk}/" in response.content.decode()
    assert f"/gallery/images/{owl.pk}/" not in response.content.decode()
    assert response["HX-Push-Url"] == f"{url}?q=fox"


def test_removing_images_keeps_them_in_the_gallery(member, member_client, make_image):
    fox = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Animals")
    services.collection_add_images(actor=member, collection=collection, images=[fox])
    response = member_client.post(
        reverse("gallery:collection_remove", args=[collection.pk]), {"image": [fox.pk]}, follow=True
    )
    assert "Removed 1 image from “Animals”." in response.content.decode()
    assert not collection.items.exists()
    assert f"/gallery/images/{fox.pk}/" in member_client.get("/gallery/").content.decode()


def test_edit_and_delete_a_collection(member, member_client, make_image):
    image = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Animals")
    services.collection_add_images(actor=member, collection=collection, images=[image])
    edit = reverse("gallery:collection_edit", args=[collection.pk])

    html = member_client.get(edit).content.decode()
    assert 'value="Animals"' in html
    assert ">Delete collection</button>" in html
    assert "data-confirm=" in html
    assert member_client.post(edit, {"title": "", "description": ""}).status_code == 400
    member_client.post(edit, {"title": "Beasts", "description": "All sorts"})
    collection.refresh_from_db()
    assert (collection.title, collection.description) == ("Beasts", "All sorts")

    response = member_client.post(reverse("gallery:collection_delete", args=[collection.pk]), follow=True)
    assert (
        "Deleted the collection “Beasts”. Its images are still in the gallery." in response.content.decode()
    )
    assert not Collection.objects.exists()
    assert image.__class__.objects.filter(pk=image.pk).exists()


def test_others_see_a_collection_but_get_no_edit_controls(member, other_client):
    collection = Collection.objects.create(owner=member, title="Animals")
    html = other_client.get(reverse("gallery:collection_detail", args=[collection.pk])).content.decode()
    assert "A collection by mira" in html
    assert "Edit collection" not in html
    assert "Remove from collection" not in html


def test_the_grid_offers_only_the_members_own_collections(member, other_member, member_client):
    Collection.objects.create(owner=member, title="Mine")
    Collection.objects.create(owner=other_member, title="Theirs")
    html = member_client.get("/gallery/").content.decode()
    menu = re.search(r'<select id="selection-collection".*?</select>', html, re.DOTALL).group(0)
    assert ">Mine</option>" in menu
    assert "Theirs" not in menu
