"""Tokens are 256 random bits stored only as a hash; every kind of share response carries the share headers."""

import pytest
from django.db import connection
from django.test import Client

from core.tokens import new_token, token_hash
from sharing import services
from sharing.models import RateLimitCounter, ShareLink, ShareVisit
from sharing.tests.helpers import LINK_PASSWORD, share_url, token_from, unlock

pytestmark = pytest.mark.django_db


def test_tokens_carry_256_random_bits_and_only_their_hash_is_stored(member_client, stranger, image):
    response = member_client.post(
        f"/shared/new/?image={image.pk}", {"expiry": "30d", "password": LINK_PASSWORD}
    )
    token = token_from(response.content.decode())
    stranger.get(share_url("page", token))
    unlock(stranger, token, "wrong-password")

    assert len(token) == 43  # secrets.token_urlsafe(32): 32 bytes, base64url without padding
    assert len({new_token() for _ in range(1000)}) == 1000
    link = ShareLink.objects.get()
    assert link.token_hash == token_hash(token)
    assert len(link.token_hash) == 64
    # Every column of every share table, and the sessions, read back as text: no plaintext token anywhere.
    tables = [model._meta.db_table for model in (ShareLink, ShareVisit, RateLimitCounter)] + [
        "django_session"
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    assert token not in str(value), table
                    assert LINK_PASSWORD not in str(value), table


SHARE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow, noarchive"}


def response_kinds(image, collection_link, locked_link, no_download_link):
    """(kind, how to get it): every kind of answer the public side gives."""
    token, locked, no_download = collection_link.token, locked_link.token, no_download_link.token
    image_id = image.pk
    return [
        ("page", lambda c: c.get(share_url("page", token))),
        ("item page", lambda c: c.get(share_url("item", token, image_id=image_id))),
        ("original", lambda c: c.get(share_url("original", token, image_id=image_id))),
        ("thumbnail", lambda c: c.get(share_url("thumbnail", token, image_id=image_id))),
        ("download", lambda c: c.get(share_url("download", token, image_id=image_id))),
        ("zip", lambda c: c.get(share_url("zip", token))),
        (
            "304",
            lambda c: c.get(
                share_url("original", token, image_id=image_id), HTTP_IF_NONE_MATCH=f'"{image.sha256}"'
            ),
        ),
        ("404 unknown", lambda c: c.get(share_url("page", new_token()))),
        ("404 other address", lambda c: c.get(f"/s/{token}/nothing-here")),
        ("405", lambda c: c.delete(share_url("page", token))),
        ("password page", lambda c: c.get(share_url("unlock", locked))),
        ("redirect to password page", lambda c: c.get(share_url("page", locked))),
        ("403 locked bytes", lambda c: c.get(share_url("original", locked, image_id=image_id))),
        ("403 downloads off", lambda c: c.get(share_url("download", no_download, image_id=image_id))),
        ("wrong password", lambda c: unlock(c, locked, "wrong-password")),
    ]


def test_every_kind_of_share_response_carries_the_share_headers(make_collection, make_link, settings):
    collection = make_collection(count=1)
    image = collection.images.get()
    kinds = response_kinds(
        image,
        make_link(collection),
        make_link(collection, password=LINK_PASSWORD),
        make_link(collection, allow_download=False),
    )
    settings.SHARE_LOOKUP_FAILURE_LIMIT = 2
    kinds.append(("429", lambda c: [c.get(share_url("page", new_token())) for _ in range(3)][-1]))

    seen_statuses = set()
    for kind, fetch in kinds:
        response = fetch(Client(REMOTE_ADDR=f"192.0.2.{len(seen_statuses) + 1}"))
        seen_statuses.add(response.status_code)
        for header, value in SHARE_HEADERS.items():
            assert response[header] == value, kind
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], kind
        assert response["X-Content-Type-Options"] == "nosniff", kind
        if response["Content-Type"].startswith("text/html"):
            assert response["Content-Security-Policy"].startswith("default-src 'none'"), kind
            assert "private, no-store" in response["Cache-Control"], kind
        else:
            assert "sandbox" in response["Content-Security-Policy"], kind
            assert response["Cache-Control"].startswith("private"), kind

    assert seen_statuses == {200, 302, 304, 403, 404, 405, 429}


def test_revoke_and_extend_need_a_post(member_client, image, make_link):
    link = make_link(image).link

    for name in ("revoke", "extend"):
        assert member_client.get(f"/shared/{link.pk}/{name}/").status_code == 405
    assert services.link_revoke(link=link, reason="test") is True
    assert services.link_revoke(link=link, reason="again") is False
