"""Who may see and do what, on every gallery URL: members, other members, staff, and nobody signed in."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from gallery import selectors, services
from gallery.models import Collection, Image

pytestmark = pytest.mark.django_db


def image_urls(pk: int) -> list[str]:
    return [
        reverse("gallery:image_detail", args=[pk]),
        reverse("gallery:image_file", args=[pk, "original"]),
        reverse("gallery:image_file", args=[pk, "thumbnail"]),
        reverse("gallery:image_download", args=[pk]),
        reverse("gallery:image_details_json", args=[pk]),
    ]


def every_url(image_pk: int, collection_pk: int) -> list[tuple[str, str]]:
    gets = [
        reverse("gallery:index"),
        reverse("gallery:trash"),
        reverse("gallery:collection_list"),
        reverse("gallery:collection_detail", args=[collection_pk]),
        reverse("gallery:collection_edit", args=[collection_pk]),
        *image_urls(image_pk),
    ]
    posts = [
        reverse("gallery:image_favourite", args=[image_pk]),
        reverse("gallery:selection_zip"),
        reverse("gallery:selection_collect"),
        reverse("gallery:selection_trash"),
        reverse("gallery:selection_restore"),
        reverse("gallery:trash_empty"),
        reverse("gallery:collection_create"),
        reverse("gallery:collection_edit", args=[collection_pk]),
        reverse("gallery:collection_delete", args=[collection_pk]),
        reverse("gallery:collection_remove", args=[collection_pk]),
    ]
    return [("get", url) for url in gets] + [("post", url) for url in posts]


def test_nobody_signed_in_is_sent_to_log_in_from_every_gallery_url(client, member, make_image):
    image = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Foxes")
    for method, url in every_url(image.pk, collection.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(f"/login/?next={url}"), (method, url)
    assert Image.objects.filter(pk=image.pk, trashed_at__isnull=True).exists()
    assert Collection.objects.filter(pk=collection.pk).exists()


@pytest.mark.parametrize("who", ["owner", "other", "staff"])
def test_every_member_sees_every_image_in_the_gallery(
    who, member, member_client, other_client, staff_client, make_image
):
    image = make_image(owner=member)
    client = {"owner": member_client, "other": other_client, "staff": staff_client}[who]
    for url in image_urls(image.pk):
        assert client.get(url).status_code == 200, url
    assert f'href="/gallery/images/{image.pk}/"' in client.get("/gallery/").content.decode()


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("other", 404), ("staff", 200)])
def test_a_trashed_image_is_seen_only_by_its_owner_and_staff(
    who, status, member, member_client, other_client, staff_client, make_image
):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    client = {"owner": member_client, "other": other_client, "staff": staff_client}[who]
    for url in image_urls(image.pk):
        assert client.get(url).status_code == status, url
    # …and it is in nobody's gallery, whoever looks.
    assert f"/gallery/images/{image.pk}/" not in client.get("/gallery/").content.decode()


def test_unknown_and_purged_ids_answer_404(member, member_client, staff_client, make_image):
    image = make_image(owner=member)
    purged_pk = image.pk
    services.images_purge(image_ids=[purged_pk])
    for pk in (purged_pk, 999_999):
        for url in image_urls(pk):
            assert member_client.get(url).status_code == 404, url
            assert staff_client.get(url).status_code == 404, url
    assert member_client.get(reverse("gallery:collection_detail", args=[999_999])).status_code == 404


def test_favouriting_someone_elses_trashed_image_is_404(member, other_client, make_image):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    response = other_client.post(reverse("gallery:image_favourite", args=[image.pk]), {"favourite": "1"})
    assert response.status_code == 404


def test_a_member_cannot_delete_another_members_image(member, other_member, other_client, make_image):
    image = make_image(owner=member)
    response = other_client.post(reverse("gallery:selection_trash"), {"image": [image.pk]}, follow=True)
    image.refresh_from_db()
    assert image.trashed_at is None
    assert "1 image belongs to another member and stayed in the gallery." in response.content.decode()


def test_staff_can_delete_anyones_image_and_restore_it(member, staff_client, make_image):
    image = make_image(owner=member)
    staff_client.post(reverse("gallery:selection_trash"), {"image": [image.pk]})
    image.refresh_from_db()
    assert image.trashed_at is not None
    staff_client.post(reverse("gallery:selection_restore"), {"image": [image.pk]})
    image.refresh_from_db()
    assert image.trashed_at is None


def test_a_member_cannot_restore_or_purge_another_members_trash(member, other_client, make_image):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    other_client.post(reverse("gallery:selection_restore"), {"image": [image.pk]})
    other_client.post(reverse("gallery:trash_empty"))
    image.refresh_from_db()
    assert image.trashed_at is not None


def test_the_image_page_offers_delete_only_to_its_owner_and_staff(
    member, member_client, other_client, staff_client, make_image
):
    image = make_image(owner=member)
    url = reverse("gallery:image_detail", args=[image.pk])
    delete_button = '<button type="submit" class="secondary outline">Delete</button>'
    assert delete_button in member_client.get(url).content.decode()
    assert delete_button in staff_client.get(url).content.decode()
    assert delete_button not in other_client.get(url).content.decode()


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("other", 403), ("staff", 200)])
def test_only_a_collections_owner_and_staff_change_it(
    who, status, member, member_client, other_client, staff_client
):
    collection = Collection.objects.create(owner=member, title="Foxes")
    client = {"owner": member_client, "other": other_client, "staff": staff_client}[who]
    assert client.get(reverse("gallery:collection_detail", args=[collection.pk])).status_code == 200
    assert client.get(reverse("gallery:collection_edit", args=[collection.pk])).status_code == status
    response = client.post(
        reverse("gallery:collection_edit", args=[collection.pk]), {"title": "Renamed", "description": ""}
    )
    assert response.status_code == (302 if status == 200 else 403)
    collection.refresh_from_db()
    assert collection.title == ("Renamed" if status == 200 else "Foxes")


def test_another_member_cannot_delete_or_empty_a_collection(member, other_client, make_image):
    collection = Collection.objects.create(owner=member, title="Foxes")
    image = make_image(owner=member)
    services.collection_add_images(actor=member, collection=collection, images=[image])
    assert other_client.post(reverse("gallery:collection_delete", args=[collection.pk])).status_code == 403
    url = reverse("gallery:collection_remove", args=[collection.pk])
    assert other_client.post(url, {"image": [image.pk]}).status_code == 403
    assert collection.items.count() == 1


def test_a_member_adds_only_to_their_own_collections(member, other_member, other_client, make_image):
    theirs = Collection.objects.create(owner=member, title="Mira's")
    image = make_image(owner=member)
    response = other_client.post(
        reverse("gallery:selection_collect"), {"image": [image.pk], "collection": theirs.pk}, follow=True
    )
    assert theirs.items.count() == 0
    assert "Choose one of your collections." in response.content.decode()


@pytest.mark.parametrize("pk", ["abc", "", None, "1.5", "1; DROP TABLE"])
def test_the_selectors_answer_404_to_ids_that_are_not_numbers(pk, member):
    with pytest.raises(Http404):
        selectors.image_get_visible(viewer=member, pk=pk)
    with pytest.raises(Http404):
        selectors.collection_get_visible(viewer=member, pk=pk)


def test_nobody_signed_in_sees_nothing_through_the_selectors(member, make_image):
    make_image(owner=member)
    assert not selectors.images_in_gallery(viewer=AnonymousUser()).exists()
    assert not selectors.images_visible_to(viewer=None).exists()
    assert not selectors.collections_visible_to(viewer=AnonymousUser()).exists()
