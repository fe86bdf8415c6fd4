"""Share unlocks leave the login session alone (issue 13, #5): a signed cookie of their own, scoped to
the link's path; no public share view creates or cycles a session, so a cross-site form posted to a
share link cannot sign a member out."""

import pytest
from django.test import Client

from sharing import unlocks
from sharing.tests.helpers import LINK_PASSWORD, share_url, unlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked(image, make_link):
    return make_link(image, password=LINK_PASSWORD)


def test_a_cross_site_post_to_unlock_leaves_the_members_session_alone(member_client, locked, image):
    session_before = member_client.cookies["sessionid"].value

    for password in ("wrong-password", LINK_PASSWORD):
        response = unlock(member_client, locked.token, password, HTTP_ORIGIN="https://evil.example")
        assert "sessionid" not in response.cookies

    assert member_client.cookies["sessionid"].value == session_before
    assert member_client.get("/gallery/").status_code == 200  # still signed in


@pytest.mark.parametrize("name", ["page", "unlock", "original", "thumbnail", "zip"])
def test_public_share_views_set_no_session(stranger, make_collection, make_link, name):
    collection = make_collection(count=1)
    token = make_link(collection).token
    kwargs = {"image_id": collection.images.first().pk} if name in ("original", "thumbnail") else {}

    response = stranger.get(share_url(name, token, **kwargs))

    assert response.status_code in (200, 302)
    assert "sessionid" not in response.cookies


def test_unlocking_sets_no_session_but_a_path_scoped_cookie(stranger, locked, settings):
    settings.SESSION_COOKIE_SECURE = True  # as with EASEL_HTTPS

    response = unlock(stranger, locked.token)

    assert response.status_code == 302
    assert "sessionid" not in response.cookies
    cookie = response.cookies[unlocks.COOKIE_NAME]
    assert cookie["path"] == f"/s/{locked.token}/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]


def test_the_unlock_opens_only_its_own_links_path(locked, make_link, image):
    browser = Client()
    unlock(browser, locked.token)
    other = make_link(image, password=LINK_PASSWORD)
    cookie = browser.cookies[unlocks.COOKIE_NAME]
    # A browser would not send it elsewhere; sent anyway, it does not open another link.
    forged = Client()
    forged.cookies[unlocks.COOKIE_NAME] = cookie.value

    assert forged.get(share_url("original", locked.token, image_id=image.pk)).status_code == 200
    assert forged.get(share_url("original", other.token, image_id=image.pk)).status_code == 403
