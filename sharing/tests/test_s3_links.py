"""Share links over S3 media: the bytes come through Easel after the token check, never as a redirect
to the bucket, so a revoked link leaves no signed bucket address behind to replay."""

import httpx
import pytest

from sharing import services
from sharing.tests.helpers import body, share_url
from tests.fixtures.media import stored

pytestmark = pytest.mark.django_db


def responses_for(stranger, token, image):
    return {
        name: stranger.get(share_url(name, token, **({} if name == "page" else {"image_id": image.pk})))
        for name in ("page", "original", "thumbnail", "download")
    }


def test_a_link_streams_s3_bytes_and_a_revoke_leaves_nothing_to_replay(s3_media, stranger, image, make_link):
    created = make_link(image)
    before = responses_for(stranger, created.token, image)

    assert {name: response.status_code for name, response in before.items()} == dict.fromkeys(before, 200)
    assert body(before["original"]) == stored(image.file_name).read_bytes()
    assert before["original"]["X-Content-Type-Options"] == "nosniff"
    assert before["original"]["Content-Security-Policy"].startswith("default-src 'none'; sandbox")
    seen = "".join(
        str(dict(response.headers)) + body(response).decode("latin-1") for response in before.values()
    )
    assert s3_media.server.endpoint_url not in seen
    assert s3_media.name not in seen
    assert "X-Amz-Signature" not in seen

    services.link_revoke(link=created.link, reason="test")

    after = responses_for(stranger, created.token, image)
    assert {name: response.status_code for name, response in after.items()} == dict.fromkeys(after, 404)


def test_the_bucket_itself_refuses_a_stranger(s3_media, image):
    """Never a public bucket: the object's own address, unsigned, is refused."""
    response = httpx.get(f"{s3_media.server.endpoint_url}/{s3_media.name}/{image.file_name}")
    assert response.status_code == 403
