"""A signed original shared by link leaves Easel byte for byte, so its Content Credentials still validate."""

import io
import zipfile

import pytest

from gallery import credentials
from sharing.tests.helpers import body, share_url

pytestmark = pytest.mark.django_db


def test_share_links_give_the_signed_original_unchanged(
    stranger, member, make_image, make_collection, make_link, signed_png
):
    image = make_image(owner=member, data=signed_png)
    token = make_link(image).token
    collection_token = make_link(make_collection(images=[image])).token

    served = [
        body(stranger.get(share_url("original", token, image_id=image.pk))),
        body(stranger.get(share_url("download", token, image_id=image.pk))),
        body(stranger.get(share_url("original", collection_token, image_id=image.pk))),
    ]
    archive = zipfile.ZipFile(io.BytesIO(body(stranger.get(share_url("zip", collection_token)))))
    served.append(archive.read(archive.namelist()[0]))

    for data in served:
        assert data == signed_png
        found = credentials.read_content_credentials(data=data, mime_type="image/png")
        assert found.summary["validation"] == "Valid"
