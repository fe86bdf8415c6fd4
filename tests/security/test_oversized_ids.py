"""Ids too big for a 64-bit column (`99999999999999999999`) answer 404 or a form error, never a 500,
wherever an id comes in: URL paths, query strings and form fields. Runs on SQLite and PostgreSQL alike
(SQLite's driver raised OverflowError; PostgreSQL refuses the comparison)."""

import pytest
from django.test import Client
from django.urls import reverse

from gallery.models import Collection, CollectionItem, Image

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"  # 20 digits: more than 2**63
JUST_TOO_BIG = str(2**63)


@pytest.fixture
def staff_browser(world) -> Client:
    client = world.clients["staff"]
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a test error
    return client


@pytest.mark.parametrize("big", [BIG, JUST_TOO_BIG])
@pytest.mark.parametrize(
    "path",
    [
        "/gallery/?collection={big}",
        "/gallery/images/{image}/?collection={big}",
        "/gallery/images/{big}/",
        "/gallery/images/{big}/original",
        "/gallery/images/{big}/download",
        "/gallery/collections/{big}/",
        "/gallery/?cursor=1-{big}",
        "/generations/{big}/",
        "/generations/updates/?live={big}",
        "/shared/new/?collection={big}",
        "/shared/new/?image={big}",
        "/shared/{big}/",
        "/s/{token}/i/{big}/",
        "/s/{token}/i/{big}/original",
        "/admin/gallery/image/{big}/change/",
    ],
)
def test_oversized_ids_in_addresses(world, staff_browser, path, big):
    address = path.format(big=big, image=world.image.pk, token=world.collection_token)
    response = staff_browser.get(address)
    assert response.status_code in (200, 302, 400, 404), (address, response.status_code)


@pytest.mark.parametrize("big", [BIG, JUST_TOO_BIG])
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gallery:selection_zip", lambda w, big: {"image": [big]}),
        ("gallery:selection_trash", lambda w, big: {"image": [w.image.pk, big]}),
        ("gallery:selection_restore", lambda w, big: {"image": [big]}),
        ("gallery:selection_collect", lambda w, big: {"image": [big], "collection": w.collection.pk}),
        ("gallery:selection_collect", lambda w, big: {"image": [w.image.pk], "collection": big}),
        ("imagegen:generate", lambda w, big: {"prompt": "a fox", "reference_picks": [big]}),
    ],
)
def test_oversized_ids_in_forms(world, staff_browser, name, data, big):
    before = (Image.objects.filter(trashed_at__isnull=True).count(), CollectionItem.objects.count())
    response = staff_browser.post(reverse(name), data(world, big))
    assert response.status_code in (200, 302, 400, 422), (name, response.status_code)
    # Refused as a whole: nothing trashed, nothing added.
    assert (Image.objects.filter(trashed_at__isnull=True).count(), CollectionItem.objects.count()) == before


@pytest.mark.parametrize("big", [BIG, JUST_TOO_BIG])
def test_removing_an_oversized_id_from_a_collection(world, staff_browser, big):
    response = staff_browser.post(
        reverse("gallery:collection_remove", args=[world.collection.pk]), {"image": [big]}, follow=True
    )
    assert response.status_code == 200
    assert "That selection is not a list of images." in response.content.decode()
    assert Collection.objects.get(pk=world.collection.pk).items.count() == 1


def test_the_largest_id_is_still_an_id(world, staff_browser):
    largest = str(2**63 - 1)
    assert staff_browser.get(f"/gallery/images/{largest}/").status_code == 404
    response = staff_browser.post(reverse("gallery:selection_zip"), {"image": [largest]}, follow=True)
    assert "None of the selected images is in the gallery any more." in response.content.decode()


def test_oversized_ids_in_an_admin_action(world, staff_browser):
    response = staff_browser.post(
        reverse("admin:sharing_sharelink_changelist"),
        {"action": "revoke_selected", "_selected_action": [BIG]},
    )
    assert response.status_code == 400
    assert b"not an id" in response.content
