"""A password link opens nothing, bytes included, until this browser has given the password (immich#29599)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, identify_hasher
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from sharing import services, unlocks
from sharing.models import Expiry
from sharing.tests.helpers import LINK_PASSWORD, share_url, unlock

pytestmark = pytest.mark.django_db

BYTE_ENDPOINTS = ["original", "thumbnail", "download"]


@pytest.fixture
def locked(make_collection, make_link):
    collection = make_collection(count=2)
    created = make_link(collection, password=LINK_PASSWORD)
    return created, collection.images.first()


def every_address(token: str, image_id: int) -> dict[str, str]:
    addresses = {name: share_url(name, token, image_id=image_id) for name in [*BYTE_ENDPOINTS, "item"]}
    return addresses | {"page": share_url("page", token), "zip": share_url("zip", token)}


def test_the_password_is_stored_hashed(locked):
    created, _ = locked

    assert LINK_PASSWORD not in created.link.password_hash
    assert identify_hasher(created.link.password_hash)
    assert check_password(LINK_PASSWORD, created.link.password_hash)


@pytest.mark.parametrize("name", ["page", "item", "original", "thumbnail", "download", "zip"])
def test_no_address_opens_before_the_password_and_all_open_after(stranger, locked, name):
    created, image = locked
    address = every_address(created.token, image.pk)[name]

    before = stranger.get(address)
    if name in ("page", "item"):
        assert before.status_code == 302
        assert before["Location"] == share_url("unlock", created.token)
    else:
        assert before.status_code == 403
        assert b"needs its password" in before.content
        assert before["Content-Type"].startswith("text/html")  # no image bytes at all

    assert unlock(stranger, created.token).status_code == 302
    assert stranger.get(address).status_code == 200


@pytest.mark.parametrize(
    "attempt",
    [
        {"HTTP_AUTHORIZATION": f"Basic {LINK_PASSWORD}"},
        {"HTTP_COOKIE": "sessionid=forged"},
        {"QUERY_STRING": f"password={LINK_PASSWORD}"},
        {"HTTP_REFERER": "http://testserver/s/x/unlock/"},
    ],
    ids=["basic-auth", "forged-session", "password-in-query", "referer"],
)
def test_bytes_ignore_everything_but_an_unlock_cookie(stranger, locked, attempt):
    created, image = locked

    for name in BYTE_ENDPOINTS:
        assert stranger.get(share_url(name, created.token, image_id=image.pk), **attempt).status_code == 403


@pytest.mark.parametrize(
    "forge",
    [
        lambda link: "1:deadbeef",  # not signed at all
        lambda link: _signed(f"{link.pk}:not-the-fingerprint"),
        lambda link: _signed(f"{link.pk + 1}:{unlocks._fingerprint(link)}"),  # another link's id
    ],
    ids=["unsigned", "wrong-fingerprint", "other-link-id"],
)
def test_an_unlock_cookie_that_is_not_this_links_does_not_unlock(stranger, locked, forge):
    created, image = locked
    stranger.cookies[unlocks.COOKIE_NAME] = forge(created.link)

    assert stranger.get(share_url("original", created.token, image_id=image.pk)).status_code == 403


def _signed(value: str) -> str:
    """A cookie value signed with Easel's own key, as only Easel could make it."""
    response = HttpResponse()
    response.set_signed_cookie(unlocks.COOKIE_NAME, value, salt=unlocks.SALT)
    return response.cookies[unlocks.COOKIE_NAME].value


def test_unlocking_one_link_does_not_unlock_another(stranger, locked, make_link, image):
    created, _ = locked
    other = make_link(image, password=LINK_PASSWORD)

    unlock(stranger, created.token)

    assert stranger.get(share_url("original", other.token, image_id=image.pk)).status_code == 403


def test_an_unlock_stops_working_when_the_link_is_revoked(stranger, locked):
    created, image = locked
    unlock(stranger, created.token)

    services.link_revoke(link=created.link, reason="test")

    for address in every_address(created.token, image.pk).values():
        assert stranger.get(address).status_code == 404


def test_an_unlock_stops_working_when_the_link_expires(stranger, make_link, image):
    created = make_link(image, password=LINK_PASSWORD, expiry=Expiry.DAY)
    unlock(stranger, created.token)
    assert stranger.get(share_url("original", created.token, image_id=image.pk)).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert stranger.get(share_url("original", created.token, image_id=image.pk)).status_code == 404


def test_unlocking_works_from_a_no_referrer_page(locked):
    # With Referrer-Policy: no-referrer a browser posts the form with "Origin: null"; the CSRF check
    # would refuse that, so the password form does without it (see the comment on the view).
    created, image = locked
    browser = Client(enforce_csrf_checks=True)

    response = unlock(browser, created.token, HTTP_ORIGIN="null")

    assert response.status_code == 302
    assert browser.get(share_url("original", created.token, image_id=image.pk)).status_code == 200


def test_the_password_page_explains_a_wrong_password(stranger, locked):
    created, _ = locked

    response = unlock(stranger, created.token, "wrong-password")

    assert response.status_code == 200
    assert "That password isn&#x27;t right" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_password_page_asks_for_an_empty_password(stranger, locked):
    created, _ = locked

    for response in (unlock(stranger, created.token, ""), stranger.post(share_url("unlock", created.token))):
        assert "Enter the password." in response.content.decode()


def test_the_password_page_of_an_open_link_goes_straight_to_it(stranger, image, make_link):
    token = make_link(image).token

    response = stranger.get(share_url("unlock", token))

    assert response.status_code == 302
    assert response["Location"] == share_url("page", token)
