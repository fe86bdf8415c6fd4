"""Several images at once: the ZIP download and deleting a selection."""

import io
import re
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from gallery import selectors, services
from gallery.models import Collection
from gallery.tests.helpers import stored

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def test_a_zip_of_the_selection_holds_the_originals_byte_for_byte(
    member, other_member, member_client, make_image
):
    fox = make_image(owner=member, prompt="A fox", color=(1, 1, 1))
    owl = make_image(owner=other_member, prompt="An owl", color=(2, 2, 2))
    response = member_client.post(reverse("gallery:selection_zip"), {"image": [fox.pk, owl.pk]})

    assert isinstance(response, StreamingHttpResponse)  # streamed, never built whole in memory
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="easel-')
    assert response["Content-Disposition"].endswith('-2-images.zip"')
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = {name.split("-", 3)[3]: name for name in archive.namelist()}
    assert set(names) == {"a-fox.png", "an-owl.png"}
    assert archive.read(names["a-fox.png"]) == stored(fox.file_name).read_bytes()
    assert archive.read(names["an-owl.png"]) == stored(owl.file_name).read_bytes()


def test_the_zip_leaves_out_trashed_and_unknown_images(member, other_member, member_client, make_image):
    kept = make_image(owner=member, color=(1, 1, 1))
    trashed = make_image(owner=other_member, color=(2, 2, 2))
    services.image_trash(actor=other_member, images=[trashed])
    response = member_client.post(reverse("gallery:selection_zip"), {"image": [kept.pk, trashed.pk, 999_999]})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select at least one image first."),
        ({"image": ["abc"]}, "That selection is not a list of images."),
        ({"image": ["0"]}, "That selection is not a list of images."),
        ({"image": [str(n) for n in range(1, 502)]}, "Select at most 500 images at a time."),
        ({"image": ["999999"]}, "None of the selected images is in the gallery any more."),
    ],
)
def test_a_bad_selection_comes_back_with_a_message(data, message, member_client):
    response = member_client.post(reverse("gallery:selection_zip"), {**data, "next": "/gallery/?q=x"})
    assert response.status_code == 302
    assert response["Location"] == "/gallery/?q=x"
    assert message in member_client.get("/gallery/").content.decode()


def test_deleting_a_selection_trashes_only_the_members_own(member, other_member, member_client, make_image):
    mine = make_image(owner=member, color=(1, 1, 1))
    theirs = make_image(owner=other_member, color=(2, 2, 2))
    response = member_client.post(
        reverse("gallery:selection_trash"), {"image": [mine.pk, theirs.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Moved 1 image to the trash." in html
    assert "1 image belongs to another member and stayed in the gallery." in html
    assert [image.pk for image in selectors.images_in_trash(viewer=member)] == [mine.pk]


def test_the_grid_has_one_selection_form_with_its_actions(member, member_client, make_image):
    make_image(owner=member)
    html = member_client.get("/gallery/").content.decode()
    assert 'href="/gallery/collections/#new-collection">New collection</a>' in html  # none to add to yet
    Collection.objects.create(owner=member, title="Foxes")
    html = member_client.get("/gallery/").content.decode()
    assert html.count('id="selection"') == 1
    for action, label in [
        ("selection_zip", "Download ZIP"),
        ("selection_collect", "Add to collection"),
        ("selection_trash", "Delete"),
    ]:
        assert re.search(rf'formaction="{reverse(f"gallery:{action}")}"[^>]*>{label}</button>', html), label
    assert '<label for="selection-collection" class="selection-collection">Collection' in html
