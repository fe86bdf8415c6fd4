"""Both limits count in the database: they hold across web processes, and only the database can lift them."""

import html
import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.utils import timezone

from core.tokens import new_token
from sharing import throttles
from sharing.models import RateLimitCounter
from sharing.tests.helpers import LINK_PASSWORD, share_url, unlock

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"


@pytest.fixture
def low_limits(settings):
    settings.SHARE_LOOKUP_FAILURE_LIMIT = 3
    settings.SHARE_LOOKUP_WINDOW_SECONDS = 600
    settings.SHARE_PASSWORD_ATTEMPT_LIMIT = 3
    settings.SHARE_PASSWORD_WINDOW_SECONDS = 900


def as_new_process() -> Client:
    """A request as another web process would serve it: a fresh client and a fresh database connection."""
    connections.close_all()
    return Client(REMOTE_ADDR=ATTACKER)


@pytest.mark.django_db(transaction=True)  # committed rows, so connections can be dropped between requests
def test_failed_lookups_per_address_end_in_429_across_processes(low_limits, image, make_link):
    valid = make_link(image).token
    for attempt in range(1, 4):
        assert as_new_process().get(share_url("page", new_token())).status_code == 404
        # The count is a row in the database, not anything this process remembers.
        assert RateLimitCounter.objects.get(scope="share-lookup", key=ATTACKER).count == attempt

    blocked = as_new_process().get(share_url("page", new_token()))

    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 600
    assert blocked["Referrer-Policy"] == "no-referrer"
    # Guessing stops there; a link that works still opens from that address (see test_proxies.py).
    assert as_new_process().get(share_url("page", new_token())).status_code == 429
    assert as_new_process().get(share_url("page", valid)).status_code == 200

    # Only the database holds the block: remove its rows and the address is let through.
    RateLimitCounter.objects.all().delete()
    assert as_new_process().get(share_url("page", new_token())).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_lookup_block_lifts_when_its_window_ends(low_limits):
    start = datetime(2026, 5, 4, 10, 0, 30, tzinfo=UTC)  # 30 s into a 10-minute window
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            response = as_new_process().get(share_url("page", new_token()))
        assert response.status_code == 429
        assert response["Retry-After"] == "570"
        clock.shift(timedelta(seconds=569))
        assert as_new_process().get(share_url("page", new_token())).status_code == 429
        clock.shift(timedelta(seconds=1))
        assert as_new_process().get(share_url("page", new_token())).status_code == 404


def test_successful_lookups_cost_nothing(low_limits, image, make_link):
    valid = make_link(image).token
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(10):
        assert client.get(share_url("page", valid)).status_code == 200
        assert client.get(share_url("thumbnail", valid, image_id=image.pk)).status_code == 200

    assert not RateLimitCounter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_wrong_passwords_per_link_and_address_end_in_429_even_for_the_right_one(low_limits, image, make_link):
    created = make_link(image, password=LINK_PASSWORD)
    guesser = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        wrong = unlock(guesser, created.token, "not-it-at-all")
        assert wrong.status_code == 200
        assert "That password isn't right" in html.unescape(wrong.content.decode())

    refused = unlock(guesser, created.token, LINK_PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "Too many wrong passwords were tried for this link from your network" in html.unescape(
        refused.content.decode()
    )
    assert guesser.get(share_url("original", created.token, image_id=image.pk)).status_code == 403
    # The count is per link and address: the same address may still open another link, another address this one.
    assert unlock(Client(REMOTE_ADDR="203.0.113.9"), created.token).status_code == 302
    other = make_link(image, password=LINK_PASSWORD)
    assert unlock(guesser, other.token).status_code == 302
    # The counter is in the database and survives a "restart".
    assert (
        as_new_process().post(share_url("unlock", created.token), {"password": LINK_PASSWORD}).status_code
        == 429
    )


def test_the_password_block_lifts_when_its_window_ends(low_limits, image, make_link):
    created = make_link(image, password=LINK_PASSWORD)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        guesser = Client(REMOTE_ADDR=ATTACKER)
        for _ in range(4):
            last = unlock(guesser, created.token, "not-it-at-all")
        assert last.status_code == 429
        clock.shift(timedelta(seconds=int(last["Retry-After"])))
        assert unlock(guesser, created.token).status_code == 302


def test_a_password_try_is_charged_before_it_is_compared(image, make_link):
    created = make_link(image, password=LINK_PASSWORD)
    counts_seen = []

    def check_password(password, encoded):
        counts_seen.append(RateLimitCounter.objects.get(scope="share-password").count)
        return False

    with mock.patch("sharing.services.check_password", side_effect=check_password):
        unlock(Client(REMOTE_ADDR=ATTACKER), created.token, "guess")

    assert counts_seen == [1]


def test_charge_counts_every_attempt_and_drops_finished_windows():
    throttle = throttles.Throttle("test", limit=2, window_seconds=60)
    now = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)

    verdicts = [throttles.charge(throttle, key="k", now=now) for _ in range(3)]
    later = throttles.charge(throttle, key="k", now=now + timedelta(minutes=5))

    assert [verdict.allowed for verdict in verdicts] == [True, True, False]
    assert verdicts[2].retry_after == 50
    assert later.allowed
    assert list(RateLimitCounter.objects.values_list("count", flat=True)) == [1]  # the old window is gone
    assert throttles.check(throttle, key="k", now=now + timedelta(minutes=5)).allowed


@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_never_lose_a_count():
    """Threads with their own database connections stand in for web processes charging at once."""
    throttle = throttles.Throttle("race", limit=1000, window_seconds=3600)
    errors = []

    def charge_five_times():
        try:
            for _ in range(5):
                throttles.charge(throttle, key="shared")
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=charge_five_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert RateLimitCounter.objects.get(scope="race").count == 40
