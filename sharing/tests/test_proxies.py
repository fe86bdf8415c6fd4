"""Behind a proxy, one visitor can't block share links for everyone, and address rotation gains nothing
(issue 13, #3 and #4): limits count failures, a valid token always opens, IPv6 counts by /64, and each
password link has a cap of its own across all addresses."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from core.tokens import new_token
from sharing.tests.helpers import LINK_PASSWORD, share_url, unlock

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


@pytest.fixture
def behind_nginx(settings):
    """The README's nginx block: every request comes from the proxy, which sets X-Real-IP."""
    settings.SHARE_CLIENT_IP_HEADER = "X-Real-IP"
    settings.SHARE_LOOKUP_FAILURE_LIMIT = 20


def visitor(address: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=address)


def test_bad_lookups_from_one_visitor_block_nobody_elses_link(behind_nginx, image, make_link):
    valid = make_link(image).token
    guesser = visitor("198.51.100.66")
    answers = [guesser.get(share_url("page", new_token())).status_code for _ in range(21)]
    assert answers[-1] == 429

    assert visitor("203.0.113.9").get(share_url("page", valid)).status_code == 200
    # And a token that opens opens even from the blocked network: only failures are counted and refused.
    assert guesser.get(share_url("page", valid)).status_code == 200
    assert guesser.get(share_url("thumbnail", valid, image_id=image.pk)).status_code == 200


def test_without_the_header_everyone_behind_the_proxy_is_one_client(settings, image, make_link):
    """Why the README's nginx block sets X-Real-IP: without it, guesses count against the proxy."""
    settings.SHARE_LOOKUP_FAILURE_LIMIT = 3
    settings.SHARE_CLIENT_IP_HEADER = ""
    for _ in range(4):
        visitor("198.51.100.66").get(share_url("page", new_token()))
    assert visitor("203.0.113.9").get(share_url("page", new_token())).status_code == 429
    assert visitor("203.0.113.9").get(share_url("page", make_link(image).token)).status_code == 200


def test_thirty_password_tries_from_thirty_addresses_of_one_slash_64_are_one_client(image, make_link):
    created = make_link(image, password=LINK_PASSWORD)
    answers = [
        unlock(Client(REMOTE_ADDR=f"2001:db8:aa:bb::{n + 1:x}"), created.token, f"guess-{n}").status_code
        for n in range(30)
    ]

    assert answers[:5] == [200] * 5
    assert set(answers[5:]) == {429}
    # Another /64 is another client.
    assert unlock(Client(REMOTE_ADDR="2001:db8:aa:bc::1"), created.token).status_code == 302


def test_the_link_takes_no_passwords_once_many_networks_guessed_and_its_owner_sees_why(
    settings, image, make_link, member_client
):
    settings.SHARE_PASSWORD_ATTEMPT_LIMIT = 5
    settings.SHARE_PASSWORD_LINK_LIMIT = 8
    created = make_link(image, password=LINK_PASSWORD)
    for n in range(8):  # eight networks, one wrong guess each: under every per-address limit
        assert unlock(Client(REMOTE_ADDR=f"2001:db8:{n:x}::1"), created.token, "guess").status_code == 200

    fresh = Client(REMOTE_ADDR="203.0.113.9")
    refused = unlock(fresh, created.token)
    assert refused.status_code == 429
    assert "from many places" in html.unescape(refused.content.decode())
    asked = fresh.get(share_url("unlock", created.token))  # said before anyone types, too
    assert asked.status_code == 429
    assert "Try again in" in asked.content.decode()

    owner_page = member_client.get(reverse("sharing:link_detail", args=[created.link.pk])).content.decode()
    assert "This link takes no passwords at the moment" in owner_page


def test_one_network_cannot_use_up_the_links_own_limit(settings, image, make_link):
    settings.SHARE_PASSWORD_ATTEMPT_LIMIT = 3
    settings.SHARE_PASSWORD_LINK_LIMIT = 5
    created = make_link(image, password=LINK_PASSWORD)
    hammer = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(50):
        unlock(hammer, created.token, "guess")

    assert unlock(Client(REMOTE_ADDR="203.0.113.9"), created.token).status_code == 302


def test_right_passwords_are_not_counted(settings, image, make_link):
    settings.SHARE_PASSWORD_ATTEMPT_LIMIT = 2
    settings.SHARE_PASSWORD_LINK_LIMIT = 2
    created = make_link(image, password=LINK_PASSWORD)
    office = "198.51.100.7"  # ten colleagues behind one address, all with the password

    answers = [unlock(Client(REMOTE_ADDR=office), created.token).status_code for _ in range(10)]

    assert answers == [302] * 10
