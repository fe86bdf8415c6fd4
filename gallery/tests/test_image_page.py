"""The image page: the picture, its recipe and numbers, actions, and ← → within the view it came from."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from gallery import services
from gallery.models import Collection, Favourite, Image

pytestmark = pytest.mark.django_db


def page(client, image, **params) -> str:
    response = client.get(reverse("gallery:image_detail", args=[image.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_picture_and_everything_about_it(member, member_client, make_image):
    image = make_image(
        owner=member,
        prompt="A red fox in the snow",
        width=1344,
        height=768,
        aspect_ratio="16:9",
        image_size="1K",
        provider="Google",
        cost_usd=Decimal("0.0387"),
        prompt_tokens=12,
        completion_tokens=1290,
        image_tokens=1290,
        latency_ms=8420,
        openrouter_generation_id="gen-abc-123",
        model_text="Here is a fox for you.",
    )
    html = page(member_client, image)

    assert f'<img src="/gallery/images/{image.pk}/original" width="1344" height="768"' in html
    assert '<p id="image-prompt" class="prompt-text">A red fox in the snow</p>' in html
    assert 'data-copy-target="#image-prompt">Copy prompt</button>' in html
    assert "Gemini 2.5 Flash Image" in html
    assert "google/gemini-2.5-flash-image" in html
    assert "via Google" in html
    assert "1344 × 768 px, 16:9 requested at 1K" in html
    assert "PNG, " in html
    assert "$0.0387" in html
    assert "12 in, 1290 out (1290 image)" in html
    assert "8.4 s" in html
    assert "<code>gen-abc-123</code>" in html
    assert "Here is a fox for you." in html
    assert "<dd>mira</dd>" in html
    assert f'datetime="{image.created_at.isoformat()}"' in html


def test_a_shape_that_is_not_the_one_asked_for_is_flagged(member, member_client, make_image):
    image = make_image(owner=member, width=1024, height=1024, aspect_ratio="16:9")
    assert "(not the shape asked for)" in page(member_client, image)


def test_missing_numbers_say_so(member, member_client, make_image):
    html = page(member_client, make_image(owner=member))
    assert html.count("not reported") == 3


def test_the_actions(member, member_client, make_image):
    image = make_image(owner=member)
    Collection.objects.create(owner=member, title="Foxes")
    html = page(member_client, image)

    assert f'<a href="/gallery/images/{image.pk}/download" role="button">Download</a>' in html
    assert f'<a href="/?remix={image.pk}" role="button" class="secondary">Remix</a>' in html
    assert f'<a href="/?edit={image.pk}" role="button" class="secondary">Edit</a>' in html
    assert f'href="/gallery/images/{image.pk}/details.json">Download details</a>' in html
    assert "data-key-favourite" in html
    assert "Favourite</span></button>" in html
    assert '<button type="submit">Add to collection</button>' in html
    assert '<option value="' in html.split('id="add-collection"')[1]
    assert ">Delete</button>" in html
    assert (
        f'<a href="{reverse("sharing:create")}?image={image.pk}" role="button" class="secondary">Share</a>'
        in html
    )


def test_a_collection_page_links_to_sharing_it(member, member_client):
    collection = Collection.objects.create(owner=member, title="Foxes")
    html = member_client.get(reverse("gallery:collection_detail", args=[collection.pk])).content.decode()
    assert f'href="{reverse("sharing:create")}?collection={collection.pk}"' in html


def test_the_favourite_button_shows_the_members_own_star(member, other_client, member_client, make_image):
    image = make_image(owner=member)
    Favourite.objects.create(member=member, image=image)
    assert 'aria-pressed="true"' in page(member_client, image)
    assert 'aria-pressed="false"' in page(other_client, image)


@pytest.fixture
def foxes(member, make_images):
    """Five images, oldest first: fox, whale, fox, whale, fox."""
    images = []
    for prompt in ("fox one", "whale one", "fox two", "whale two", "fox three"):
        images += make_images(1, owner=member, prompt=prompt)
    return images


def links(html: str) -> dict[str, str]:
    found = {}
    for rel in ("prev", "next"):
        match = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
        found[rel] = match.group(1).replace("&amp;", "&") if match else None
    found["back"] = re.search(r'<a href="([^"]+)" data-key-back>', html).group(1).replace("&amp;", "&")
    return found


def test_previous_and_next_follow_the_search_and_filters(member_client, foxes):
    fox_one, _, fox_two, _, fox_three = foxes
    assert links(page(member_client, fox_two, q="fox")) == {
        "prev": f"/gallery/images/{fox_three.pk}/?q=fox",
        "next": f"/gallery/images/{fox_one.pk}/?q=fox",
        "back": "/gallery/?q=fox",
    }
    assert links(page(member_client, fox_two, q="fox", sort="oldest")) == {
        "prev": f"/gallery/images/{fox_one.pk}/?q=fox&sort=oldest",
        "next": f"/gallery/images/{fox_three.pk}/?q=fox&sort=oldest",
        "back": "/gallery/?q=fox&sort=oldest",
    }


def test_the_ends_of_a_view_have_no_link_past_them(member_client, foxes):
    fox_one, whale_one, _, _, fox_three = foxes
    assert links(page(member_client, fox_three, q="fox"))["prev"] is None
    assert links(page(member_client, fox_one, q="fox"))["next"] is None
    everything = links(page(member_client, fox_one))
    assert everything["prev"] == f"/gallery/images/{whale_one.pk}/"
    assert everything["back"] == "/gallery/"


def test_inside_a_collection_the_keys_stay_in_it(member, member_client, foxes):
    _, whale_one, fox_two, whale_two, _ = foxes
    collection = Collection.objects.create(owner=member, title="Whales and a fox")
    services.collection_add_images(
        actor=member, collection=collection, images=[whale_one, fox_two, whale_two]
    )
    grid = member_client.get(reverse("gallery:collection_detail", args=[collection.pk])).content.decode()
    assert f'href="/gallery/images/{whale_two.pk}/?collection={collection.pk}"' in grid

    found = links(page(member_client, fox_two, collection=collection.pk))
    assert found == {
        "prev": f"/gallery/images/{whale_two.pk}/?collection={collection.pk}",
        "next": f"/gallery/images/{whale_one.pk}/?collection={collection.pk}",
        "back": f"/gallery/collections/{collection.pk}/",
    }


def test_keyboard_hooks_and_the_script_are_on_the_page(member, member_client, foxes):
    html = page(member_client, foxes[2])
    assert "data-key-prev" in html
    assert "data-key-next" in html
    assert "data-key-back" in html
    assert re.search(r'<script src="/static/js/gallery.js" nonce="[^"]+" defer></script>', html)
    assert '<link rel="stylesheet" href="/static/css/gallery.css">' in html
    assert " style=" not in html
    assert "onclick" not in html


def test_a_trashed_image_shows_its_trash_and_restore_to_its_owner(member, member_client, make_image):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    html = page(member_client, image)
    assert "This image is in the trash since" in html
    assert '<button type="submit">Restore</button>' in html
    assert links(html) == {"prev": None, "next": None, "back": "/gallery/trash/"}
    assert ">Remix</a>" not in html
    assert "Favourite</span></button>" not in html


def test_the_image_page_lists_its_collections_with_remove_for_editors(
    member, other_client, member_client, make_image
):
    image = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Foxes")
    services.collection_add_images(actor=member, collection=collection, images=[image])
    assert f'<a href="/gallery/collections/{collection.pk}/">Foxes</a>' in page(member_client, image)
    assert 'Remove<span class="visually-hidden"> from Foxes</span>' in page(member_client, image)
    assert "Remove<span" not in page(other_client, image)
    assert Image.objects.get(pk=image.pk).collections.count() == 1
