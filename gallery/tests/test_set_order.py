"""Favourites and collections are hand-picked sets: their pages are read through the set and sorted, so a
set of old images is as quick as a set of new ones in a gallery of a million (bench/bench_gallery.py),
and the order and paging stay exactly the gallery's."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery import selectors
from gallery.models import Collection, CollectionItem, Favourite
from gallery.selectors import GalleryQuery

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_set(member, make_images):
    """Seven old images in a collection and among the member's favourites (two share a timestamp), beneath
    twenty newer ones that are in neither."""
    old = make_images(7, owner=member, start=timezone.now() - dt.timedelta(days=400))
    old[3].created_at = old[4].created_at
    old[3].save(update_fields=["created_at"])
    make_images(20, owner=member)
    collection = Collection.objects.create(owner=member, title="Old ones")
    CollectionItem.objects.bulk_create(CollectionItem(collection=collection, image=image) for image in old)
    Favourite.objects.bulk_create(Favourite(member=member, image=image) for image in old)
    return old, collection


def in_order(images, *, ascending: bool) -> list[int]:
    key = [(image.created_at, image.pk) for image in images]
    return [pk for _, pk in sorted(key, reverse=not ascending)]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("view", ["collection", "favourites"])
def test_a_set_pages_in_the_gallerys_order_with_neighbours(member, old_set, sort, view):
    old, collection = old_set
    query = GalleryQuery(sort=sort, collection_id=collection.pk if view == "collection" else None,
                         favourites=view == "favourites")  # fmt: skip
    seen, cursor = [], None
    while True:
        page = selectors.image_page(viewer=member, query=query, cursor=cursor, size=3)
        seen += [tile.id for tile in page.tiles]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    expected = in_order(old, ascending=sort == "oldest")
    assert seen == expected
    middle = next(image for image in old if image.pk == expected[3])
    assert selectors.image_neighbours(viewer=member, query=query, image=middle) == (expected[2], expected[4])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL planner choice; SQLite has its own"
)
def test_on_postgresql_a_sets_page_is_sorted_by_an_expression_no_date_index_serves(member, old_set):
    _, collection = old_set
    with CaptureQueriesContext(connection) as queries:
        selectors.image_page(viewer=member, query=GalleryQuery(collection_id=collection.pk))
    keys = next(q["sql"] for q in queries.captured_queries if "gallery_collectionitem" in q["sql"])
    order = keys.split("ORDER BY", 1)[1]
    assert order.lstrip().startswith('("gallery_image"."created_at" + ')
