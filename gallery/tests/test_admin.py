"""The admin: staff can browse images and collections; rows are not deleted there (files would stay behind)."""

import pytest

pytestmark = pytest.mark.django_db


def test_staff_browse_images_and_collections_in_the_admin(member, staff_client, make_image):
    image = make_image(owner=member, prompt="A red fox")
    html = staff_client.get("/admin/gallery/image/").content.decode()
    assert "A red fox" in html
    assert staff_client.get(f"/admin/gallery/image/{image.pk}/change/").status_code == 200
    assert staff_client.get("/admin/gallery/collection/").status_code == 200
    assert staff_client.get("/admin/gallery/favourite/").status_code == 200


def test_images_are_not_added_or_deleted_in_the_admin(member, staff_client, make_image):
    image = make_image(owner=member)
    assert staff_client.get("/admin/gallery/image/add/").status_code == 403
    assert staff_client.get(f"/admin/gallery/image/{image.pk}/delete/").status_code == 403
