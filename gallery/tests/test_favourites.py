"""Favourites: each member's own stars, set by an htmx POST that swaps the button (or a plain POST)."""

import pytest
from django.urls import reverse

from gallery.models import Favourite

pytestmark = pytest.mark.django_db


def test_htmx_sets_the_star_and_gets_the_new_button(member, member_client, make_image):
    image = make_image(owner=member)
    url = reverse("gallery:image_favourite", args=[image.pk])
    response = member_client.post(url, {"favourite": "1"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<button type="submit" form="favourite-form" formaction="{url}" hx-post="{url}"')
    assert 'value="0" aria-pressed="true" class="favourite is-favourite"' in html
    assert "data-key-favourite" not in html
    assert Favourite.objects.filter(member=member, image=image).count() == 1

    html = member_client.post(
        url, {"favourite": "0", "key_favourite": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="1" aria-pressed="false" class="favourite"' in html
    assert "data-key-favourite" in html  # the image page's button stays the one f presses
    assert not Favourite.objects.exists()


def test_setting_a_star_twice_is_harmless(member, member_client, make_image):
    image = make_image(owner=member)
    url = reverse("gallery:image_favourite", args=[image.pk])
    member_client.post(url, {"favourite": "1"}, HTTP_HX_REQUEST="true")
    member_client.post(url, {"favourite": "1"}, HTTP_HX_REQUEST="true")
    assert Favourite.objects.filter(member=member, image=image).count() == 1


def test_without_javascript_it_posts_and_comes_back(member, member_client, make_image):
    image = make_image(owner=member)
    url = reverse("gallery:image_favourite", args=[image.pk])
    response = member_client.post(url, {"favourite": "1", "next": "/gallery/?q=fox"})
    assert response.status_code == 302
    assert response["Location"] == "/gallery/?q=fox"
    response = member_client.post(url, {"favourite": "0", "next": "//evil.example/"})
    assert response["Location"] == f"/gallery/images/{image.pk}/"
    assert not Favourite.objects.exists()


def test_a_bad_value_is_refused(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.post(reverse("gallery:image_favourite", args=[image.pk]), {"favourite": "maybe"})
    assert response.status_code == 400
    assert not Favourite.objects.exists()


def test_favouriting_is_a_post(member, member_client, make_image):
    image = make_image(owner=member)
    assert member_client.get(reverse("gallery:image_favourite", args=[image.pk])).status_code == 405


def test_stars_are_per_member(member, other_member, member_client, other_client, make_image):
    image = make_image(owner=member)
    other_client.post(reverse("gallery:image_favourite", args=[image.pk]), {"favourite": "1"})
    assert 'aria-pressed="true"' in other_client.get("/gallery/").content.decode()
    assert 'aria-pressed="true"' not in member_client.get("/gallery/").content.decode()


def test_every_page_with_stars_has_the_form_they_post_through(member, member_client, make_image):
    image = make_image(owner=member)
    for url in ("/gallery/", reverse("gallery:image_detail", args=[image.pk])):
        html = member_client.get(url).content.decode()
        assert html.count('<form method="post" id="favourite-form" hidden>') == 1, url
        assert 'name="csrfmiddlewaretoken"' in html.split('id="favourite-form"')[1].split("</form>")[0]
