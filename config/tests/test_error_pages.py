"""403 and 404 look like the rest of Easel, with its navigation; every page has a favicon (issue 15)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_404_keeps_the_navigation_and_the_styles(member_client):
    response = member_client.get("/gallery/images/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<nav class="container-fluid" aria-label="Main">' in html
    assert 'href="/gallery/collections/">Collections</a>' in html
    assert "css/easel" in html
    assert "Go to the gallery" in html


def test_a_403_keeps_the_navigation_and_says_why(member_client):
    response = member_client.get("/team/")
    html = response.content.decode()
    assert response.status_code == 403
    assert '<nav class="container-fluid" aria-label="Main">' in html
    assert "The team dashboard is for staff. Nothing was changed." in html


def test_a_public_share_page_has_the_favicon(client):
    html = client.get("/s/not-a-token/").content.decode()
    assert "img/easel" in html


def test_favicon_ico_points_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert "img/easel" in response["Location"]
