"""Guessing passwords stops: after a few failures a username, and separately an address, is locked for a
cool-off, on /login/ and /admin/login/ alike, with a message that says when to try again (issue 13, #2)."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the member fixtures' password
ATTACKER = "198.51.100.66"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(client, path, username, password):
    return client.post(path, {"username": username, "password": password})


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_thirty_wrong_passwords_lock_the_username_and_then_the_right_one_is_refused(staff, path):
    guesser = Client(REMOTE_ADDR=ATTACKER)
    answers = [sign_in(guesser, path, staff.username, f"guess-{n}").status_code for n in range(30)]

    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    refused = sign_in(Client(REMOTE_ADDR="203.0.113.9"), path, staff.username, PASSWORD)  # elsewhere, too
    assert refused.status_code == 429
    assert "_auth_user_id" not in refused.wsgi_request.session
    text = refused.content.decode()
    assert re.search(r"Try again at \d\d:\d\d \(in 15 minutes\)", text)
    assert 'role="alert"' in text or "errornote" in text
    assert 840 < int(refused["Retry-After"]) <= 900


def test_the_lockout_ends_after_the_cool_off(member):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(5):
            sign_in(Client(REMOTE_ADDR=ATTACKER), "/login/", member.username, f"guess-{n}")
        locked = sign_in(Client(), "/login/", member.username, PASSWORD)
        assert locked.status_code == 429
        clock.shift(timedelta(seconds=int(locked["Retry-After"]) + 1))
        assert sign_in(Client(), "/login/", member.username, PASSWORD).status_code == 302


def test_one_address_trying_many_usernames_is_locked_by_address(member, other_member):
    guesser = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        sign_in(guesser, "/login/", f"nobody-{n}", "guess")

    assert sign_in(guesser, "/login/", member.username, PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="203.0.113.9"), "/login/", member.username, PASSWORD).status_code == 302


def test_an_ipv6_client_counts_by_its_slash_64(member):
    for n in range(5):
        rotating = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        sign_in(rotating, "/login/", f"nobody-{n}", "guess")

    same_network = Client(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert sign_in(same_network, "/login/", member.username, PASSWORD).status_code == 429
    assert (
        sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), "/login/", member.username, PASSWORD).status_code
        == 302
    )


def test_sign_in_lockouts_read_the_address_like_share_links(settings, member):
    """Behind the documented proxy every request comes from 127.0.0.1: X-Real-IP names the visitor."""
    settings.SHARE_CLIENT_IP_HEADER = "X-Real-IP"
    for n in range(5):
        sign_in(Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=ATTACKER), "/login/", f"nobody-{n}", "guess")

    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    assert sign_in(colleague, "/login/", member.username, PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_staff_unlock_a_member_in_the_admin(member, staff_client):
    for n in range(5):
        sign_in(Client(REMOTE_ADDR=ATTACKER), "/login/", member.username, f"guess-{n}")
    assert sign_in(Client(), "/login/", member.username, PASSWORD).status_code == 429

    response = staff_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [member.pk]},
        follow=True,
    )

    assert "Unlocked sign-in for mira" in response.content.decode()
    assert sign_in(Client(), "/login/", member.username, PASSWORD).status_code == 302
