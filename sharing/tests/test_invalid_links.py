"""Links that open nothing all answer the same, and stop on the very next request."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from core.tokens import new_token
from sharing import services
from sharing.models import Expiry
from sharing.tests.helpers import body, share_url

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def snapshot(response) -> tuple[int, bytes, dict]:
    return response.status_code, body(response), dict(response.headers)


def test_unknown_expired_revoked_and_deleted_targets_answer_identically(
    stranger, image, make_image, make_collection, make_link, member
):
    expired = make_link(image, expiry=Expiry.DAY)
    revoked = make_link(image)
    services.link_revoke(link=revoked.link, reason="test")
    trashed_image = make_image(owner=member, prompt="trashed", color=(5, 5, 5))
    trashed = make_link(trashed_image)
    trashed_image.trashed_at = timezone.now()  # trashed without the signal: the lookup still refuses it
    trashed_image.save()
    doomed_collection = make_collection(count=1)
    deleted = make_link(doomed_collection)
    doomed_collection.delete()
    purged_image = make_image(owner=member, prompt="purged", color=(6, 6, 6))
    purged = make_link(purged_image)
    purged_image.delete()

    cases = {"unknown": new_token(), "malformed": "short", "revoked": revoked.token}
    cases |= {
        "trashed image": trashed.token,
        "deleted collection": deleted.token,
        "purged image": purged.token,
    }
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        cases["expired"] = expired.token
        answers = {name: snapshot(stranger.get(share_url("page", token))) for name, token in cases.items()}

    reference = answers.pop("unknown")
    assert reference[0] == 404
    assert "Vary" not in reference[2]
    assert "Set-Cookie" not in reference[2]
    assert b"nonce" not in reference[1]
    assert "nonce" not in reference[2]["Content-Security-Policy"]
    for name, answer in answers.items():
        assert answer == reference, name


def test_every_public_address_answers_the_same_for_a_bad_token(stranger, image):
    token = new_token()
    addresses = [share_url(name, token) for name in ("page", "unlock", "zip")]
    addresses += [
        share_url(name, token, image_id=image.pk) for name in ("item", "original", "thumbnail", "download")
    ]
    addresses += [f"/s/{token}/not-a-page", "/s/", f"/s/{token}"]

    answers = {address: snapshot(stranger.get(address)) for address in addresses}

    reference = answers.pop(addresses[0])
    for address, answer in answers.items():
        assert answer == reference, address


def test_a_link_expires_on_the_dot_for_the_page_and_the_bytes(stranger, image, make_link):
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        token = make_link(image, expiry=Expiry.DAY).token
        clock.shift(timedelta(hours=23, minutes=59, seconds=59))
        assert stranger.get(share_url("page", token)).status_code == 200
        assert stranger.get(share_url("original", token, image_id=image.pk)).status_code == 200
        clock.shift(timedelta(seconds=1))
        assert stranger.get(share_url("page", token)).status_code == 404
        assert stranger.get(share_url("original", token, image_id=image.pk)).status_code == 404


def test_never_expiring_links_work_years_later(stranger, image, make_link):
    token = make_link(image, expiry=Expiry.NEVER).token

    with time_machine.travel(timezone.now() + timedelta(days=3650)):
        assert stranger.get(share_url("page", token)).status_code == 200


def test_an_expired_link_works_again_once_extended(stranger, image, make_link):
    created = make_link(image, expiry=Expiry.DAY)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert stranger.get(share_url("page", created.token)).status_code == 404
        services.link_extend(link=created.link, expiry=Expiry.WEEK)
        assert stranger.get(share_url("page", created.token)).status_code == 200


def test_revoking_stops_the_image_bytes_on_the_next_request_even_when_cached(stranger, image, make_link):
    created = make_link(image)
    original = share_url("original", created.token, image_id=image.pk)
    first = stranger.get(original)
    assert first["Cache-Control"] == "private, no-cache"  # the browser must ask again every time
    revalidated = stranger.get(original, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304

    services.link_revoke(link=created.link, reason="test")

    assert stranger.get(original, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
    assert stranger.get(share_url("thumbnail", created.token, image_id=image.pk)).status_code == 404
    assert stranger.get(share_url("download", created.token, image_id=image.pk)).status_code == 404


def test_links_of_a_deactivated_member_stop(stranger, image, make_link, member):
    token = make_link(image).token
    member.is_active = False
    member.save()

    assert stranger.get(share_url("page", token)).status_code == 404


def test_an_over_long_image_id_is_a_clean_404(stranger, image, make_link):
    token = make_link(image).token

    response = stranger.get(f"/s/{token}/i/{'9' * 40}/original")

    assert response.status_code == 404
