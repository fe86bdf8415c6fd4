"""The grid: newest first, keyset pages, filters in the URL, htmx partials, and a constant query count."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery import selectors, services
from gallery.models import Collection, Favourite, Image
from gallery.selectors import Cursor, GalleryQuery

pytestmark = pytest.mark.django_db


def tile_ids(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(
            r'<li class="tile shape-\d+" id="tile-\d+"><a class="tile-image" href="/gallery/images/(\d+)/',
            html,
        )
    ]


def grid(client, **params) -> list[int]:
    return tile_ids(client.get("/gallery/", params).content.decode())


def next_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" hx-get="[^"]+" hx-trigger="revealed"', html)
    return match.group(1).replace("&amp;", "&") if match else None


# --- The grid -----------------------------------------------------------------------------------------
def test_the_grid_shows_the_teams_images_newest_first(member, other_member, member_client, make_images):
    older = make_images(2, owner=member, start=timezone.now() - dt.timedelta(days=3))
    newer = make_images(2, owner=other_member, start=timezone.now() - dt.timedelta(days=1))
    assert grid(member_client) == [image.pk for image in reversed(older + newer)]


def test_tiles_are_lazy_thumbnails_with_their_size_prompt_model_member_and_star(
    member, member_client, make_image
):
    image = make_image(
        owner=member, prompt="A red fox " + "in the deep snow " * 10, model_name="Gemini Flash"
    )
    html = member_client.get("/gallery/").content.decode()

    img = re.search(r'<img src="/gallery/images/\d+/thumbnail"[^>]*>', html).group(0)
    assert 'loading="lazy"' in img
    assert f'width="{image.thumbnail_width}" height="{image.thumbnail_height}"' in img
    assert "/original" not in html.split('id="gallery-results"')[1]
    assert '<p class="tile-prompt">A red fox in the deep snow' in html
    assert "…</p>" in html  # the start of a long prompt, not all of it
    assert '<span class="tile-model">Gemini Flash</span>' in html
    assert '<span class="tile-member">mira</span>' in html
    assert 'aria-pressed="false" class="favourite"' in html
    assert (
        f'<input type="checkbox" name="image" value="{image.pk}" form="selection" data-deletable> Select'
        in html
    )


def test_trashed_images_are_not_in_the_grid(member, member_client, make_images):
    kept, trashed = make_images(2, owner=member)
    services.image_trash(actor=member, images=[trashed])
    assert grid(member_client) == [kept.pk]


def test_an_empty_gallery_says_so(member_client):
    assert "No images here yet." in member_client.get("/gallery/").content.decode()


def test_every_filter_control_has_a_visible_label(member_client):
    html = member_client.get("/gallery/").content.decode()
    form = html.split('id="gallery-filters"')[1].split("</form>")[0]
    for control in re.findall(r'<(?:input|select)[^>]*id="(id_[a-z_]+)"', form):
        if control not in ("id_collection", "id_cursor"):
            assert f'for="{control}"' in form, control
    assert '<button type="submit">Search</button>' in form


# --- Keyset pages ---------------------------------------------------------------------------------------
def test_pages_follow_each_other_without_gaps_or_repeats(settings, member, member_client, make_images):
    settings.GALLERY_PAGE_SIZE = 2
    images = make_images(5, owner=member)
    expected = [image.pk for image in reversed(images)]

    seen, url = [], "/gallery/"
    while url:
        html = member_client.get(url).content.decode()
        seen.append(tile_ids(html))
        url = next_link(html)
    assert seen == [expected[0:2], expected[2:4], expected[4:5]]


def test_a_full_last_page_has_no_next_link(settings, member, member_client, make_images):
    settings.GALLERY_PAGE_SIZE = 2
    make_images(4, owner=member)
    html = member_client.get("/gallery/").content.decode()
    second = member_client.get(next_link(html)).content.decode()
    assert len(tile_ids(second)) == 2
    assert next_link(second) is None
    assert "Next page" not in second


def test_images_made_in_the_same_instant_are_ordered_by_id(member, make_images):
    same = timezone.now()
    images = make_images(5, owner=member)
    Image.objects.filter(pk__in=[image.pk for image in images]).update(created_at=same)
    ids, cursor = [], None
    while True:
        page = selectors.image_page(viewer=member, query=GalleryQuery(), cursor=cursor, size=2)
        ids += [tile.pk for tile in page.tiles]
        if not (cursor := page.next_cursor):
            break
    assert ids == sorted((image.pk for image in images), reverse=True)
    ids, cursor = [], None
    while True:
        page = selectors.image_page(viewer=member, query=GalleryQuery(sort="oldest"), cursor=cursor, size=2)
        ids += [tile.pk for tile in page.tiles]
        if not (cursor := page.next_cursor):
            break
    assert ids == sorted(image.pk for image in images)


def test_a_page_still_follows_when_its_last_image_was_deleted_meanwhile(
    settings, member, member_client, make_images
):
    settings.GALLERY_PAGE_SIZE = 2
    images = make_images(4, owner=member)
    html = member_client.get("/gallery/").content.decode()
    services.image_trash(actor=member, images=[images[2]])  # the last tile of the first page
    assert tile_ids(member_client.get(next_link(html)).content.decode()) == [images[1].pk, images[0].pk]


def test_an_image_purged_while_a_page_is_read_is_left_out(monkeypatch, member, make_images):
    images = make_images(3, owner=member)
    real_values_list = Image.objects.filter(pk__in=[]).values_list

    def purge_then_read(self, *fields, **kwargs):
        if "prompt" in fields:  # the second query: purge first, as if another request just did
            Image.objects.filter(pk=images[1].pk).delete()
        return real_values_list.__func__(self, *fields, **kwargs)

    monkeypatch.setattr(type(Image.objects.all()), "values_list", purge_then_read)
    page = selectors.image_page(viewer=member, query=GalleryQuery())
    assert [tile.pk for tile in page.tiles] == [images[2].pk, images[0].pk]


def test_a_cursor_is_exact_to_the_microsecond():
    moment = dt.datetime(2026, 11, 27, 10, 16, 3, 123456, tzinfo=dt.UTC)
    cursor = Cursor(created_at=moment, id=42)
    assert Cursor.decode(cursor.encode()) == cursor
    assert cursor.encode() == f"{int(moment.timestamp()) * 1_000_000 + 123456}-42"


@pytest.mark.parametrize("bad", ["x", "12", "-1-2", "1-x", "99999999999999999999999-1", "1.5-2"])
def test_a_broken_page_link_shows_the_first_page_and_says_so(bad, member, member_client, make_images):
    make_images(1, owner=member)
    response = member_client.get("/gallery/", {"cursor": bad})
    assert response.status_code == 200
    assert "This page link is out of date; showing the first page instead." in response.content.decode()
    assert len(tile_ids(response.content.decode())) == 1


def test_oldest_first(member, member_client, make_images):
    images = make_images(3, owner=member)
    assert grid(member_client, sort="oldest") == [image.pk for image in images]


# --- Filters in the URL -------------------------------------------------------------------------------
@pytest.fixture
def mixed(member, other_member, make_image):
    old = make_image(
        owner=other_member, prompt="An old fox", model_slug="a/one", aspect_ratio="1:1", color=(3, 0, 0)
    )
    Image.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    return {
        "fox": make_image(
            owner=member, prompt="A fox", model_slug="a/one", aspect_ratio="16:9", color=(1, 0, 0)
        ),
        "owl": make_image(
            owner=other_member, prompt="An owl", model_slug="b/two", aspect_ratio="1:1", color=(2, 0, 0)
        ),
        "old": old,
    }


def ids(*images) -> list[int]:
    return [image.pk for image in images]


def test_filters_narrow_the_grid(member, member_client, mixed):
    fox, owl, old = mixed["fox"], mixed["owl"], mixed["old"]
    Favourite.objects.create(member=member, image=owl)
    today = timezone.localdate()
    assert grid(member_client, model="a/one") == ids(fox, old)
    assert grid(member_client, member="otto") == ids(owl, old)
    assert grid(member_client, ratio="1:1") == ids(owl, old)
    assert grid(member_client, mine="1") == ids(fox)
    assert grid(member_client, favourites="1") == ids(owl)
    assert grid(member_client, date_from=(today - dt.timedelta(days=7)).isoformat()) == ids(owl, fox)
    assert grid(member_client, date_to=(today - dt.timedelta(days=30)).isoformat()) == ids(old)
    assert grid(member_client, date_from=today.isoformat(), date_to=today.isoformat()) == ids(owl, fox)
    assert grid(member_client, q="fox", model="a/one", ratio="1:1") == ids(old)
    assert grid(member_client, q="fox", sort="oldest") == ids(old, fox)


def test_favourites_are_each_members_own(member, other_client, mixed):
    Favourite.objects.create(member=member, image=mixed["owl"])
    assert grid(other_client, favourites="1") == []


def test_the_collection_filter(member, member_client, mixed):
    collection = Collection.objects.create(owner=member, title="Birds")
    services.collection_add_images(actor=member, collection=collection, images=[mixed["owl"]])
    assert grid(member_client, collection=collection.pk) == ids(mixed["owl"])


def test_the_form_shows_the_view_from_the_url(member_client, mixed):
    html = member_client.get(
        "/gallery/", {"q": "fox", "model": "a/one", "ratio": "1:1", "mine": "1"}
    ).content.decode()
    assert 'name="q" value="fox"' in html
    assert '<option value="a/one" selected>' in html
    assert '<option value="1:1" selected>' in html
    assert re.search(r'<input type="checkbox" name="mine"[^>]*checked', html)
    assert '<option value="mira">mira</option>' in html


def test_a_model_no_longer_listed_still_shows_as_chosen(member_client, mixed):
    html = member_client.get("/gallery/", {"model": "gone/model"}).content.decode()
    assert '<option value="gone/model" selected>gone/model</option>' in html
    assert "No images match this search and these filters." in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "yesterday"}, "date_from", "Enter a date as YYYY-MM-DD, for example 2026-11-27."),
        ({"date_to": "2026-02-30"}, "date_to", "Enter a date as YYYY-MM-DD, for example 2026-11-27."),
        (
            {"date_from": "2026-05-02", "date_to": "2026-05-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"ratio": "7:3"}, "ratio", "Choose one of the listed options."),
        ({"sort": "random"}, "sort", "Choose one of the listed options."),
    ],
)
def test_a_bad_filter_value_gets_a_message_beside_its_field(params, field, message, member_client, mixed):
    response = member_client.get("/gallery/", {"model": "a/one", **params})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<small id="id_{field}-error" class="form-error">{message}</small>' in html
    assert re.search(rf'<(input|select)[^>]*name="{field}"[^>]*aria-invalid="true"', html)
    # The other filters still apply.
    assert set(tile_ids(html)) <= set(ids(mixed["fox"], mixed["old"]))


def test_a_bad_filter_value_is_reported_out_of_band_to_htmx(member_client, mixed):
    html = member_client.get("/gallery/", {"date_from": "nope"}, HTTP_HX_REQUEST="true").content.decode()
    assert (
        '<small id="id_date_from-error" class="form-error" hx-swap-oob="true">Enter a date as YYYY-MM-DD'
        in html
    )
    assert '<small id="id_q-error" class="form-error" hx-swap-oob="true"></small>' in html


# --- htmx ----------------------------------------------------------------------------------------------------
def test_htmx_gets_only_the_results_and_the_canonical_url(member_client, mixed):
    response = member_client.get(
        "/gallery/", {"q": "fox", "model": "", "member": "", "sort": "newest"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gallery-results"')
    assert "<html" not in html
    assert 'id="gallery-filters"' not in html
    assert tile_ids(html) == ids(mixed["fox"], mixed["old"])
    assert response["HX-Push-Url"] == "/gallery/?q=fox"
    assert "HX-Request" in response["Vary"]


def test_infinite_scroll_gets_only_the_next_tiles(settings, member, member_client, make_images):
    settings.GALLERY_PAGE_SIZE = 2
    images = make_images(3, owner=member)
    first = member_client.get("/gallery/").content.decode()
    url = next_link(first)
    assert 'id="grid-more"' in first

    response = member_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="grid-more")
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="tile shape-')
    assert 'id="gallery-results"' not in html
    assert tile_ids(html) == [images[0].pk]
    assert "HX-Push-Url" not in response


def test_a_history_restore_gets_the_whole_page(member_client, mixed):
    html = member_client.get(
        "/gallery/", {"q": "fox"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()
    assert "<html" in html
    assert 'id="gallery-filters"' in html


def test_the_search_form_updates_the_grid_through_htmx_and_works_without_it(member_client):
    html = member_client.get("/gallery/").content.decode()
    form = re.search(r'<form method="get" action="/gallery/"[^>]*>', html).group(0)
    assert 'hx-get="/gallery/"' in form
    assert 'hx-target="#gallery-results"' in form
    assert 'hx-push-url="true"' in form
    assert 'hx-sync="this:replace"' in form  # typing fast: only the latest search's answer lands


# --- Query counts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "fox"},
        {"favourites": "1", "model": "google/gemini-2.5-flash-image"},
        {"mine": "1", "sort": "oldest"},
    ],
)
def test_a_page_costs_the_same_queries_whatever_its_size(
    params, settings, member, member_client, make_images, django_assert_num_queries
):
    images = make_images(60, owner=member, prompt="A fox")
    Favourite.objects.bulk_create([Favourite(member=member, image=image) for image in images])
    Collection.objects.create(owner=member, title="Foxes")

    def queries(size: int, **headers) -> int:
        settings.GALLERY_PAGE_SIZE = size
        with CaptureQueriesContext(connection) as captured:
            response = member_client.get("/gallery/", params, **headers)
        assert len(tile_ids(response.content.decode())) == size
        return len(captured)

    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        small = queries(5, **headers)
        assert small <= 9
        settings.GALLERY_PAGE_SIZE = 50
        with django_assert_num_queries(small):
            response = member_client.get("/gallery/", params, **headers)
        assert len(tile_ids(response.content.decode())) == 50
