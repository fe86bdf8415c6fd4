"""The grid as people use it (issue 15): tiles keep their picture's shape, active filters are removable
chips, selection actions answer in place for htmx, deleting offers Undo, collections fold and explain."""

import pytest
from django.urls import reverse

from gallery import markup
from gallery.models import Collection, CollectionItem, Image

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("width", "height", "shape"),
    [
        (256, 256, "shape-4"),
        (256, 146, "shape-7"),
        (146, 256, "shape-2"),
        (256, 64, "shape-10"),
        (0, 0, "shape-4"),
    ],
)
def test_a_tile_takes_its_pictures_shape(width, height, shape):
    assert markup.shape_class(width=width, height=height) == shape


def test_tiles_carry_their_shape_and_whether_the_viewer_may_delete_them(
    member, other_member, member_client, make_image
):
    mine = make_image(owner=member, width=160, height=90, color=(1, 1, 1))
    theirs = make_image(owner=other_member, width=90, height=160, color=(2, 2, 2))
    html = member_client.get(reverse("gallery:index")).content.decode()
    assert f'<li class="tile shape-7" id="tile-{mine.pk}">' in html
    assert f'<li class="tile shape-2" id="tile-{theirs.pk}">' in html
    assert f'value="{mine.pk}" form="selection" data-deletable>' in html
    assert f'value="{theirs.pk}" form="selection">' in html


def test_active_filters_show_as_chips_that_remove_themselves(member_client, make_image, member):
    make_image(owner=member)
    html = member_client.get(
        reverse("gallery:index"), {"q": "fox", "mine": "1", "sort": "oldest"}
    ).content.decode()
    assert 'aria-label="Active filters"' in html
    assert 'href="/gallery/?mine=1&amp;sort=oldest" class="chip">Search: fox' in html
    assert 'href="/gallery/?q=fox&amp;sort=oldest" class="chip">Mine' in html
    # The chips live in the results, so a new search (htmx) brings its own.
    partial = member_client.get(reverse("gallery:index"), {"favourites": "1"}, **HTMX).content.decode()
    assert 'class="chip">My favourites' in partial
    assert "Active filters" not in member_client.get(reverse("gallery:index")).content.decode()


def test_deleting_a_selection_with_htmx_answers_in_place_with_undo(
    member, other_member, member_client, make_image
):
    mine = make_image(owner=member, color=(1, 1, 1))
    theirs = make_image(owner=other_member, color=(2, 2, 2))
    response = member_client.post(
        reverse("gallery:selection_trash"), {"image": [mine.pk, theirs.pk], "next": "/gallery/"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="selection-status"')
    assert "Moved 1 image to the trash." in html
    assert "1 image belongs to another member and stayed in the gallery." in html
    assert f'<li id="tile-{mine.pk}" hx-swap-oob="delete"></li>' in html
    assert f"tile-{theirs.pk}" not in html
    assert ">Undo</button>" in html
    assert 'href="/gallery/trash/"' in html

    undo = member_client.post(reverse("gallery:selection_restore"), {"image": [mine.pk]}, **HTMX)
    assert "Restored 1 image to the gallery." in undo.content.decode()
    assert Image.objects.get(pk=mine.pk).trashed_at is None


def test_deleting_from_the_image_page_says_undo_and_links_to_the_trash(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.post(
        reverse("gallery:selection_trash"), {"image": [image.pk], "next": "/gallery/"}, follow=True
    )
    html = response.content.decode()
    assert "Moved 1 image to the trash." in html
    assert (
        f'<input type="hidden" name="image" value="{image.pk}"><button type="submit" class="secondary">Undo</button>'
        in html
    )
    assert '<a href="/gallery/trash/">Open the trash</a>' in html
    undo = member_client.post(
        reverse("gallery:selection_restore"), {"image": [image.pk], "next": "/gallery/"}
    )
    assert undo.status_code == 302
    assert undo["Location"] == "/gallery/"
    assert Image.objects.get(pk=image.pk).trashed_at is None


def test_the_image_page_offers_delete_only_to_whoever_may_delete(
    member, other_member, member_client, make_image
):
    theirs = make_image(owner=other_member)
    html = member_client.get(reverse("gallery:image_detail", args=[theirs.pk])).content.decode()
    assert ">Delete</button>" not in html


def test_adding_and_removing_in_a_collection_answer_in_place(member, member_client, make_image):
    image = make_image(owner=member)
    coast = Collection.objects.create(owner=member, title="Coast")
    added = member_client.post(
        reverse("gallery:selection_collect"), {"image": [image.pk], "collection": coast.pk}, **HTMX
    )
    assert "Added 1 image to “Coast”." in added.content.decode()
    assert "hx-swap-oob" not in added.content.decode()  # added images stay in the grid
    removed = member_client.post(
        reverse("gallery:collection_remove", args=[coast.pk]), {"image": [image.pk]}, **HTMX
    )
    assert "Removed 1 image from “Coast”." in removed.content.decode()
    assert f'<li id="tile-{image.pk}" hx-swap-oob="delete"></li>' in removed.content.decode()
    nothing = member_client.post(reverse("gallery:selection_trash"), {}, **HTMX)
    assert "Select at least one image first." in nothing.content.decode()


def test_a_collection_page_offers_other_collections_and_folds_its_filters_when_small(
    member, member_client, make_image
):
    coast = Collection.objects.create(owner=member, title="Coast")
    Collection.objects.create(owner=member, title="Forest")
    CollectionItem.objects.create(collection=coast, image=make_image(owner=member))
    html = member_client.get(reverse("gallery:collection_detail", args=[coast.pk])).content.decode()
    assert f'<option value="{coast.pk}">' not in html  # adding to the collection it is already in: no
    assert ">Forest</option>" in html
    assert 'class="collapsible filters-panel folded"' in html


def test_an_empty_collection_says_how_to_add_images(member, member_client):
    ideas = Collection.objects.create(owner=member, title="Ideas")
    html = member_client.get(reverse("gallery:collection_detail", args=[ideas.pk])).content.decode()
    assert "This collection is empty. To add images" in html
    assert "“Add to collection”" in html
