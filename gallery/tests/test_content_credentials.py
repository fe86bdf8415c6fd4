"""Content Credentials (C2PA): read when an image is stored, shown on its page, filterable, and the
signed original leaves Easel byte for byte, so its signature still validates after download."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from gallery import credentials
from gallery.models import CredentialsStatus, Image
from gallery.tests.helpers import stored
from tests.fixtures.credentials import SIGNER_NAME, TOOL_NAME, tampered, with_broken_manifest

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_text(client, image) -> str:
    """The image page's HTML with runs of white space made one space."""
    return " ".join(client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode().split())


def validation_of(data: bytes) -> str:
    return credentials.read_content_credentials(data=data, mime_type="image/png").summary["validation"]


def test_storing_a_signed_image_records_what_its_manifest_says(member, make_image, signed_png):
    image = make_image(owner=member, data=signed_png)

    image.refresh_from_db()
    assert image.credentials_status == CredentialsStatus.PRESENT
    assert image.credentials["signer"] == SIGNER_NAME
    assert image.credentials["tool"] == f"{TOOL_NAME} 1.0"
    assert image.credentials["validation"] == "Valid"  # the signature checks out; the test CA is on no list
    assert image.credentials["ai_generated"] is True
    assert stored(image.file_name).read_bytes() == signed_png  # stored unchanged


def test_an_unsigned_image_has_none(member, make_image):
    image = make_image(owner=member)
    image.refresh_from_db()
    assert (image.credentials_status, image.credentials) == (CredentialsStatus.NONE, {})


def test_a_file_changed_after_signing_does_not_validate(member, make_image, signed_png):
    image = make_image(owner=member, data=tampered(signed_png))
    assert image.credentials["validation"] == "Invalid"


def test_the_image_page_shows_the_badge_and_says_originals_are_never_rewritten(
    member, member_client, make_image, signed_png
):
    image = make_image(owner=member, data=signed_png)

    html = page_text(member_client, image)

    assert "<strong>Content Credentials</strong>: signed, and the signature validates" in html
    assert SIGNER_NAME in html
    assert TOOL_NAME in html
    assert "Easel never rewrites an original" in html


def test_an_invalid_signature_says_so(member, member_client, make_image, signed_png):
    image = make_image(owner=member, data=tampered(signed_png))
    html = page_text(member_client, image)
    assert "the signature does <em>not</em> validate" in html


def test_an_unparseable_manifest_reads_unreadable_and_the_page_still_works(
    member, member_client, make_image, signed_png
):
    image = make_image(owner=member, data=with_broken_manifest(signed_png))

    response = member_client.get(reverse("gallery:image_detail", args=[image.pk]))

    assert response.status_code == 200
    assert image.credentials_status == CredentialsStatus.UNREADABLE
    assert "Content Credentials: unreadable" in response.content.decode()


def test_an_unsigned_image_page_says_none(member, member_client, make_image):
    image = make_image(owner=member)
    html = member_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert "None: the original carries no C2PA manifest." in html


def test_images_stored_before_easel_read_credentials_are_read_when_their_page_opens(
    member, member_client, make_image, signed_png
):
    image = make_image(owner=member, data=signed_png)
    Image.objects.filter(pk=image.pk).update(credentials_status=CredentialsStatus.NOT_READ, credentials={})

    html = member_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()

    assert SIGNER_NAME in html
    image.refresh_from_db()
    assert image.credentials_status == CredentialsStatus.PRESENT


def test_the_backfill_command_reads_every_image_not_read_yet(member, make_image, signed_png):
    signed = make_image(owner=member, data=signed_png)
    plain = make_image(owner=member)
    broken = make_image(owner=member, data=with_broken_manifest(signed_png))
    Image.objects.update(credentials_status=CredentialsStatus.NOT_READ, credentials={})
    out = io.StringIO()

    call_command("read_content_credentials", stdout=out)

    assert "Read the Content Credentials of 3 images: 1 none, 1 present, 1 unreadable." in out.getvalue()
    statuses = dict(Image.objects.values_list("pk", "credentials_status"))
    assert statuses == {signed.pk: "present", plain.pk: "none", broken.pk: "unreadable"}
    call_command("read_content_credentials", stdout=out)
    assert "have been read already" in out.getvalue()


def test_the_gallery_filters_images_with_content_credentials(member, member_client, make_image, signed_png):
    signed = make_image(owner=member, data=signed_png, prompt="signed fox")
    broken = make_image(owner=member, data=with_broken_manifest(signed_png), prompt="broken fox")
    make_image(owner=member, prompt="plain fox")

    html = member_client.get(reverse("gallery:index"), {"credentials": "1"}).content.decode()
    everything = member_client.get(reverse("gallery:index")).content.decode()

    assert 'name="credentials"' in everything
    assert "Has Content Credentials" in everything
    shown = {pk for pk in (signed.pk, broken.pk) if f"/gallery/images/{pk}/" in html}
    assert shown == {signed.pk, broken.pk}
    assert "plain fox" in everything
    assert "plain fox" not in html


def test_downloads_and_zips_are_byte_identical_and_still_validate(
    member, member_client, make_image, signed_png
):
    image = make_image(owner=member, data=signed_png)
    original = member_client.get(reverse("gallery:image_file", args=[image.pk, "original"]))
    download = member_client.get(reverse("gallery:image_download", args=[image.pk]))
    archive = zipfile.ZipFile(
        io.BytesIO(body(member_client.post(reverse("gallery:selection_zip"), {"image": [image.pk]})))
    )

    for data in (body(original), body(download), archive.read(archive.namelist()[0])):
        assert data == signed_png
        assert validation_of(data) == "Valid"
