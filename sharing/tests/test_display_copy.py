"""“Allow download” off means the original's bytes never leave through the link (issue 13, #10): every
address that would serve the original serves a display copy instead (WebP, at most 2048 px, none of the
original's metadata), downloads and the ZIP are refused, and the page says downloads are off."""

import io

import pytest
from django.db import transaction
from django.test import Client, TestCase
from PIL import Image as PILImage
from PIL import PngImagePlugin

from gallery import files, services
from gallery.models import Image
from sharing.tests.helpers import body, meta_tags, share_url

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def png_with_metadata(width: int, height: int) -> bytes:
    """A PNG carrying every kind of metadata a generated image may hold, and bytes after its end."""
    info = PngImagePlugin.PngInfo()
    info.add_text("XML:com.adobe.xmp", "<x:xmpmeta>secret-xmp</x:xmpmeta>")
    info.add_text("parameters", "secret prompt text")
    info.add(b"caBX", b"c2pa-manifest-secret")  # where C2PA Content Credentials live in a PNG
    exif = PILImage.Exif()
    exif[0x010E] = "secret-exif-description"
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 90, 150)).save(
        out, "PNG", pnginfo=info, exif=exif, icc_profile=b"secret-icc-profile" * 10
    )
    return out.getvalue() + b"trailing-secret"


@pytest.fixture
def tagged_image(member):
    data = png_with_metadata(3000, 1500)
    stored = services.image_files_store(data=data, image_format="PNG")
    with transaction.atomic():
        return services.image_create(
            owner=member,
            stored=stored,
            mime_type="image/png",
            image_format="PNG",
            width=3000,
            height=1500,
            prompt="a secret prompt",
            model_slug="google/gemini-2.5-flash-image",
        )


def test_every_address_serves_the_display_copy_never_the_original(tagged_image, make_link):
    token = make_link(tagged_image, allow_download=False).token
    original = files.read_file(name=tagged_image.file_name)
    stranger = Client()

    served = stranger.get(share_url("original", token, image_id=tagged_image.pk))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"].startswith("default-src 'none'")
    data = body(served)
    assert data != original
    for secret in (
        b"secret-xmp",
        b"secret prompt",
        b"c2pa-manifest",
        b"secret-exif",
        b"secret-icc",
        b"trailing",
    ):
        assert secret not in data
    with PILImage.open(io.BytesIO(data)) as copy:
        assert copy.format == "WEBP"
        assert copy.size == (2048, 1024)
        assert not {"exif", "icc_profile", "xmp"} & set(copy.info)
    assert stranger.get(share_url("download", token, image_id=tagged_image.pk)).status_code == 403
    assert stranger.get(share_url("thumbnail", token, image_id=tagged_image.pk)).status_code == 200


def test_link_previews_point_at_the_display_copy(tagged_image, make_link):
    token = make_link(tagged_image, allow_download=False).token

    tags = meta_tags(Client().get(share_url("page", token)).content.decode())

    assert tags["og:image:type"] == "image/webp"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("2048", "1024")


def test_a_collection_link_without_downloads_serves_copies_and_no_zip(
    tagged_image, make_collection, make_link
):
    collection = make_collection(images=[tagged_image])
    token = make_link(collection, allow_download=False).token
    stranger = Client()

    served = stranger.get(share_url("original", token, image_id=tagged_image.pk))

    assert body(served) != files.read_file(name=tagged_image.file_name)
    assert stranger.get(share_url("zip", token)).status_code == 403


def test_the_copy_is_made_once_and_purged_with_the_image(tagged_image, make_link):
    token = make_link(tagged_image, allow_download=False).token
    name = files.display_name(sha256=tagged_image.sha256)
    Client().get(share_url("original", token, image_id=tagged_image.pk))
    assert files.file_exists(name=name)
    made = files.read_file(name=name)

    Client().get(share_url("original", token, image_id=tagged_image.pk))
    assert files.read_file(name=name) == made

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.images_purge(image_ids=[tagged_image.pk])
    assert not Image.objects.filter(pk=tagged_image.pk).exists()
    assert not files.file_exists(name=name)


def test_with_downloads_on_the_original_is_served_unchanged(tagged_image, make_link):
    token = make_link(tagged_image).token
    served = Client().get(share_url("original", token, image_id=tagged_image.pk))
    assert body(served) == files.read_file(name=tagged_image.file_name)


def test_small_images_keep_their_size():
    assert files.display_size(800, 600) == (800, 600)
    assert files.display_size(1000, 5000) == (410, 2048)
