"""Lineage as generating records it: a remix, an edit (reference images from the gallery) and a retry each
link the new images to what they were made from, through the Generate form and the worker's run."""

import re

import pytest
from django.utils import timezone

from gallery.models import Image, ImageParent
from imagegen import services
from imagegen.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)

GEMINI = "google/gemini-2.5-flash-image"


def submit(client, model, prompt, **fields) -> Generation:
    data = {
        "prompt": prompt,
        "model": model.pk,
        "aspect_ratio": "1:1",
        "count": 1,
    } | fields
    response = client.post("/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()[:500]
    return Generation.objects.latest("id")


def run(generation: Generation) -> list[Image]:
    services.generation_run(generation_id=generation.pk)
    return list(Image.objects.filter(generation=generation))


def links_of(image: Image) -> set[tuple[int, str]]:
    return set(ImageParent.objects.filter(child=image).values_list("parent_id", "kind"))


def test_a_remix_from_the_image_page_is_recorded_as_remix_of(
    member_client, image_models, make_image, member, tag
):
    source = make_image(owner=member, prompt="a red fox", model_slug=GEMINI)
    form = member_client.get("/", {"remix": source.pk}).content.decode()
    assert re.search(rf'<input type="hidden" name="remix_of" value="{source.pk}">', form)

    (remix,) = run(
        submit(member_client, image_models[GEMINI], f"a red fox in the snow {tag}", remix_of=source.pk)
    )

    assert links_of(remix) == {(source.pk, "remix")}


def test_an_edit_is_recorded_as_edit_of_its_reference_images(
    member_client, image_models, make_image, member, tag
):
    first = make_image(owner=member, color=(1, 2, 3))
    second = make_image(owner=member, color=(4, 5, 6))

    (edited,) = run(
        submit(
            member_client, image_models[GEMINI], f"blend them {tag}", reference_picks=[first.pk, second.pk]
        )
    )

    assert links_of(edited) == {(first.pk, "edit"), (second.pk, "edit")}


def test_a_retry_is_recorded_as_retry_of_the_earlier_images(member, image_models, tag):
    first = services.generation_create(
        member=member,
        model=image_models[GEMINI],
        prompt=f"a lighthouse {tag}",
        aspect_ratio="1:1",
        count=1,
    )
    (earlier,) = run(first)

    (again,) = run(services.generation_retry(generation=first, member=member))

    assert links_of(again) == {(earlier.pk, "retry")}


def test_a_remix_of_an_image_the_member_may_not_see_records_nothing(
    member_client, other_member, image_models, make_image, tag
):
    hidden = make_image(owner=other_member, prompt="someone's secret")
    Image.objects.filter(pk=hidden.pk).update(trashed_at=timezone.now())

    (image,) = run(submit(member_client, image_models[GEMINI], f"a guess {tag}", remix_of=hidden.pk))

    assert links_of(image) == set()
