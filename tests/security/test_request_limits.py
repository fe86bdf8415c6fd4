"""What one request can make the server do (issue 13, #6 and "Also"): uploads are counted and measured
before any is decoded, and a body larger than its sender may send is refused before it is read."""

import io
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from config.middleware import member_request_limit
from core.tokens import new_token
from imagegen.models import Generation
from imagegen.services import MAX_REFERENCES
from openrouter import imagecheck
from sharing import services as sharing_services
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"  # takes reference images


def generate(client, model, uploads):
    data = {"prompt": "a fox", "model": model.pk, "aspect_ratio": "1:1", "count": 1}
    return client.post("/", data | {"reference_uploads": uploads}, HTTP_HX_REQUEST="true")


def uploads(count: int) -> list[SimpleUploadedFile]:
    data = png_bytes(32, 32)
    return [SimpleUploadedFile(f"ref-{n}.png", data, content_type="image/png") for n in range(count)]


@pytest.fixture
def decoding():
    """Every decode of an uploaded reference goes through imagecheck.inspect_image: count the calls."""
    with mock.patch.object(imagecheck, "inspect_image", wraps=imagecheck.inspect_image) as spy:
        yield spy


def test_forty_files_are_refused_by_count_without_decoding_any(member_client, image_models, decoding):
    member_client.raise_request_exception = False

    response = generate(member_client, image_models[GEMINI], uploads(40))

    assert response.status_code == 400
    assert decoding.call_count == 0
    assert not Generation.objects.exists()
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES < 40


def test_one_too_many_gets_the_forms_message_without_decoding_any(member_client, image_models, decoding):
    response = generate(member_client, image_models[GEMINI], uploads(MAX_REFERENCES + 1))

    assert response.status_code == 422
    assert f"Use at most {MAX_REFERENCES} reference images (you sent {MAX_REFERENCES + 1})." in (
        response.content.decode()
    )
    assert decoding.call_count == 0


def test_a_file_over_the_size_limit_stops_the_others_from_being_decoded(
    member_client, image_models, decoding, settings
):
    settings.MAX_REFERENCE_BYTES = 2000
    files = [*uploads(2), SimpleUploadedFile("big.png", png_bytes(32, 32) + b"\x00" * 3000, "image/png")]

    response = generate(member_client, image_models[GEMINI], files)

    assert response.status_code == 422
    assert "big.png is" in response.content.decode()
    assert decoding.call_count == 0


def test_the_form_still_takes_as_many_references_as_allowed(member_client, image_models, decoding):
    response = generate(member_client, image_models[GEMINI], uploads(MAX_REFERENCES))

    assert response.status_code == 200
    assert decoding.call_count == MAX_REFERENCES


def test_the_file_count_limit_leaves_room_for_the_forms_own_message():
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES > MAX_REFERENCES


# --- request bodies -------------------------------------------------------------------------------


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    reads = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        UnreadableBody.reads += 1
        raise AssertionError("the body was read")


def post_declaring(client, path, length, **extra):
    UnreadableBody.reads = 0
    return client.generic(
        "POST",
        path,
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE="application/x-www-form-urlencoded",
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


def test_a_large_anonymous_post_to_the_unlock_view_gets_413_unread(member, make_image):
    image = make_image(owner=member)
    token = sharing_services.link_create(
        created_by=member, target=image, expiry="1d", password="a-link-password"
    ).token
    client = Client()
    client.raise_request_exception = False

    response = post_declaring(client, reverse("share:unlock", args=[token]), 300 * 1024 * 1024)

    assert response.status_code == 413
    assert UnreadableBody.reads == 0
    assert "Signed out, a request can carry only a small form" in response.content.decode()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/s/{token}/unlock/", "/invite/{token}/"])
def test_signed_out_requests_are_capped_at_a_small_form(path):
    client = Client()
    address = path.format(token=new_token())
    assert post_declaring(client, address, settings.MAX_ANONYMOUS_REQUEST_BYTES + 1).status_code == 413
    assert UnreadableBody.reads == 0


def test_members_may_send_the_generate_form_with_its_references_and_no_more(member_client):
    member_client.raise_request_exception = False
    assert member_request_limit() >= MAX_REFERENCES * settings.MAX_REFERENCE_BYTES

    too_large = post_declaring(member_client, "/", member_request_limit() + 1)

    assert too_large.status_code == 413
    assert UnreadableBody.reads == 0


def test_a_body_without_a_length_is_refused(member_client):
    response = member_client.generic(
        "POST", "/login/", b"", HTTP_TRANSFER_ENCODING="chunked", CONTENT_TYPE="text/plain"
    )
    assert response.status_code == 411
