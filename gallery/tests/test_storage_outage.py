"""A bucket that is away: pages still answer, pictures say 503 within the client's timeouts, and
/healthz says so."""

import pytest
from django.urls import reverse

from tests.fixtures.s3_faults import point_storage_at, refused_endpoint, silent_endpoint

pytestmark = pytest.mark.django_db


def test_a_silent_bucket_costs_the_picture_not_the_page(
    member, member_client, make_image, s3_media, settings
):
    image = make_image(owner=member, prompt="a heron")
    with silent_endpoint() as endpoint:
        point_storage_at(settings, endpoint)

        page = member_client.get(reverse("gallery:index"))
        thumbnail = member_client.get(reverse("gallery:image_file", args=[image.pk, "thumbnail"]))

    assert page.status_code == 200
    assert "a heron" in page.content.decode()
    assert thumbnail.status_code == 503
    assert thumbnail["Retry-After"] == "30"
    assert thumbnail["Cache-Control"] == "no-store"


def test_healthz_reports_an_unreachable_bucket(client, s3_media, settings):
    assert client.get("/healthz").json()["storage"] == "ok"

    point_storage_at(settings, refused_endpoint())
    response = client.get("/healthz")

    assert response.json()["storage"] == "unreachable"
    assert response.json()["database"] == "ok"
