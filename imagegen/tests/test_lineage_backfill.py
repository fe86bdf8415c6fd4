"""The lineage backfill: images stored before Easel recorded lineage get their "made from" links from
what their generations kept (remix, run again, retry, references picked or uploaded), and running it
again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from gallery.models import ImageParent
from imagegen.lineage_backfill import lineage_backfill
from imagegen.models import Generation, GenerationReference, ImageModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def model(db):
    return ImageModel.objects.create(openrouter_id="test/model", name="Test model", enabled=True)


def generation(member, model, **links) -> Generation:
    return Generation.objects.create(member=member, model=model, prompt="a fox", status="succeeded", **links)


def reference(gen: Generation, position: int, *, sha256: str, source_image=None) -> None:
    GenerationReference.objects.create(
        generation=gen, position=position, file_name=f"references/{sha256}.png", mime_type="image/png",
        sha256=sha256, width=64, height=64, byte_size=100, source_image=source_image,
    )  # fmt: skip


def links() -> set[tuple[int, int, str]]:
    return set(ImageParent.objects.values_list("child_id", "parent_id", "kind"))


def test_old_images_get_their_lineage_from_their_generations_and_a_second_run_adds_nothing(
    member, model, make_image
):
    fox = make_image(owner=member, prompt="a fox", color=(1, 0, 0))
    uploaded_twin = make_image(owner=member, prompt="a cat", color=(2, 0, 0))

    remix_gen = generation(member, model, remix_of=fox)
    remix = make_image(owner=member, color=(3, 0, 0), generation=remix_gen)
    again = make_image(
        owner=member, color=(4, 0, 0), generation=generation(member, model, run_again_of=remix)
    )
    retry = make_image(
        owner=member, color=(5, 0, 0), generation=generation(member, model, retry_of=remix_gen)
    )
    edit_gen = generation(member, model)
    reference(edit_gen, 0, sha256=fox.sha256, source_image=fox)  # picked from the gallery
    reference(edit_gen, 1, sha256=uploaded_twin.sha256)  # uploaded: the same bytes as a gallery image
    reference(edit_gen, 2, sha256="0" * 64)  # uploaded: bytes the gallery does not hold
    edit = make_image(owner=member, color=(6, 0, 0), generation=edit_gen)
    edit.reference_sha256 = [fox.sha256, uploaded_twin.sha256, "0" * 64]  # as the worker records them
    edit.save(update_fields=["reference_sha256"])
    ImageParent.objects.all().delete()  # as stored before lineage existed

    report = lineage_backfill(batch=2)  # small batches: the walk crosses batch boundaries

    assert links() == {
        (remix.pk, fox.pk, "remix"),
        (again.pk, remix.pk, "run_again"),
        (retry.pk, remix.pk, "retry"),
        (edit.pk, fox.pk, "edit"),
        (edit.pk, uploaded_twin.pk, "edit"),
    }
    assert (report.images, report.links_added) == (6, 5)

    out = StringIO()
    call_command("lineage_backfill", stdout=out)
    assert out.getvalue().strip() == "Looked at 6 images; added 0 lineage links."
    assert len(links()) == 5


def test_links_recorded_by_the_worker_are_kept_and_not_doubled(member, model, make_image):
    fox = make_image(owner=member, color=(1, 0, 0))
    remix = make_image(owner=member, color=(2, 0, 0), generation=generation(member, model, remix_of=fox))
    ImageParent.objects.create(child=remix, parent=fox, kind="remix")

    assert lineage_backfill().links_added == 0
    assert links() == {(remix.pk, fox.pk, "remix")}
