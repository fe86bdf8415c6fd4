"""Serving image bytes: one view, after the permission check, with headers that make any bytes harmless."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from gallery import services
from gallery.tests.helpers import stored
from imagegen.models import Generation, GenerationReference, ImageModel

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_original_is_served_unchanged_with_safe_headers(member, member_client, make_image):
    image = make_image(owner=member, prompt="A red fox, in the snow!")
    response = member_client.get(reverse("gallery:image_file", args=[image.pk, "original"]))

    assert response.status_code == 200
    assert body(response) == stored(image.file_name).read_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    expected_name = f"{image.created_at:%Y-%m-%d}-a-red-fox-in-the-snow.png"
    assert response["Content-Disposition"] == f'inline; filename="{expected_name}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["ETag"] == f'"{image.sha256}"'


def test_the_thumbnail_is_a_webp_with_its_own_etag(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.get(reverse("gallery:image_file", args=[image.pk, "thumbnail"]))

    assert response["Content-Type"] == "image/webp"
    data = body(response)
    assert data == stored(image.thumbnail_name).read_bytes()
    assert data[8:12] == b"WEBP"
    assert response["ETag"] == f'"{image.sha256}-thumbnail"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize("header", ['"{sha}"', 'W/"{sha}"', '"other", "{sha}"'])
def test_a_cached_copy_is_confirmed_with_304(header, member, member_client, make_image):
    image = make_image(owner=member)
    url = reverse("gallery:image_file", args=[image.pk, "original"])
    response = member_client.get(url, HTTP_IF_NONE_MATCH=header.format(sha=image.sha256))
    assert response.status_code == 304
    assert body(response) == b""
    assert response["ETag"] == f'"{image.sha256}"'


def test_a_stale_etag_gets_the_bytes(member, member_client, make_image):
    image = make_image(owner=member)
    url = reverse("gallery:image_file", args=[image.pk, "original"])
    assert member_client.get(url, HTTP_IF_NONE_MATCH='"not-it"').status_code == 200


def test_behind_nginx_the_bytes_are_handed_off_with_x_accel_redirect(
    settings, member, member_client, make_image
):
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    image = make_image(owner=member)
    response = member_client.get(reverse("gallery:image_file", args=[image.pk, "thumbnail"]))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.thumbnail_name}"
    assert response.content == b""
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_without_the_setting_there_is_no_hand_off(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.get(reverse("gallery:image_file", args=[image.pk, "original"]))
    assert "X-Accel-Redirect" not in response


def test_download_is_an_attachment_of_the_original_bytes(member, member_client, make_image):
    image = make_image(owner=member, prompt="Blue whale")
    response = member_client.get(reverse("gallery:image_download", args=[image.pk]))

    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{image.created_at:%Y-%m-%d}-blue-whale.png"'
    )
    assert body(response) == stored(image.file_name).read_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"


def test_only_original_and_thumbnail_are_file_variants(member, member_client, make_image):
    image = make_image(owner=member)
    for variant in ("secret", "original.png", "..", "ORIGINAL"):
        assert member_client.get(f"/gallery/images/{image.pk}/{variant}").status_code == 404


def test_the_owner_still_gets_the_thumbnail_of_a_trashed_image(member, member_client, make_image):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    response = member_client.get(reverse("gallery:image_file", args=[image.pk, "thumbnail"]))
    assert response.status_code == 200
    assert body(response) == stored(image.thumbnail_name).read_bytes()


def test_pages_use_the_one_serving_view_for_every_image(member, member_client, make_image):
    image = make_image(owner=member)
    grid = member_client.get("/gallery/").content.decode()
    page = member_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert f'src="/gallery/images/{image.pk}/thumbnail"' in grid
    assert f'src="/gallery/images/{image.pk}/original"' in page
    assert "/media/" not in grid + page


def test_the_recipe_sidecar_without_a_generation(member, member_client, make_image):
    image = make_image(
        owner=member,
        prompt="A red fox",
        cost_usd=Decimal("0.0387"),
        prompt_tokens=12,
        completion_tokens=1290,
        latency_ms=8400,
        openrouter_generation_id="gen-123",
        model_text="Here you go.",
        image_size="1K",
    )
    response = member_client.get(reverse("gallery:image_details_json", args=[image.pk]))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{image.created_at:%Y-%m-%d}-a-red-fox.json"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    recipe = json.loads(response.content)
    assert recipe["prompt"] == "A red fox"
    assert recipe["model"]["id"] == "google/gemini-2.5-flash-image"
    assert recipe["parameters"] == {"aspect_ratio": "1:1", "image_size": "1K"}
    assert recipe["usage"]["cost_usd"] == "0.038700"
    assert recipe["usage"]["completion_tokens"] == 1290
    assert recipe["usage"]["latency_ms"] == 8400
    assert recipe["result"]["sha256"] == image.sha256
    assert recipe["result"]["file_name"].endswith("-a-red-fox.png")
    assert recipe["openrouter_generation_id"] == "gen-123"
    assert recipe["model_text"] == "Here you go."
    assert recipe["member"] == "mira"
    assert recipe["created_at"] == image.created_at.isoformat()
    assert recipe["generation"] is None
    assert recipe["reference_images"] == []


def test_the_recipe_carries_the_reference_images_hashes(member, member_client, make_image):
    model = ImageModel.objects.create(openrouter_id="google/gemini-2.5-flash-image", name="Gemini")
    generation = Generation.objects.create(
        member=member, model=model, prompt="Like this", aspect_ratio="1:1", count=2
    )
    source = make_image(owner=member, prompt="the source", color=(1, 1, 1))
    GenerationReference.objects.create(
        generation=generation,
        position=0,
        file_name="references/aa/aa.png",
        mime_type="image/png",
        sha256="a" * 64,
        width=10,
        height=20,
        byte_size=300,
        source_image=source,
    )
    image = make_image(owner=member, prompt="Like this", generation=generation, index=1)
    recipe = json.loads(member_client.get(reverse("gallery:image_details_json", args=[image.pk])).content)

    assert recipe["reference_images"] == [
        {
            "position": 0,
            "sha256": "a" * 64,
            "mime_type": "image/png",
            "width": 10,
            "height": 20,
            "byte_size": 300,
            "gallery_image_id": source.pk,
        }
    ]
    assert recipe["generation"]["id"] == generation.pk
    assert recipe["generation"]["index"] == 1
    assert recipe["generation"]["count"] == 2
