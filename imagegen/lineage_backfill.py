"""Filling in the lineage of images stored before Easel recorded it (gallery.models.ImageParent).

What a generation was made from has always been kept on its row: `remix_of`, `run_again_of`, `retry_of`
and its reference images (picked from the gallery: `source_image`; uploaded: only their SHA-256). The
backfill reads those, as the worker does for new images (selectors.generation_lineage_parents), and
also links an uploaded reference to the oldest gallery image with the same bytes (an edit of it). It is
idempotent: links already recorded are left as they are, and only older images can be parents.
"""

from dataclasses import dataclass

from django.db import transaction

from gallery.models import Image, ImageParent
from gallery.services import image_parents_record
from imagegen import selectors
from imagegen.models import Generation

BATCH = 500


@dataclass(frozen=True)
class BackfillReport:
    images: int
    links_added: int


def lineage_backfill(*, batch: int = BATCH) -> BackfillReport:
    """Record the lineage of every stored image from what its generation kept; safe to run again."""
    links_before = ImageParent.objects.count()
    examined, last_pk = 0, 0
    while True:
        images = list(
            Image.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "generation_id", "reference_sha256")[:batch]
        )
        if not images:
            break
        parents_of = _parents_of_generations({image.generation_id for image in images} - {None})
        with transaction.atomic():
            for image in images:
                parents = list(parents_of.get(image.generation_id, []))
                parents += _edits_by_hash(image, known=parents)
                if parents:
                    image_parents_record(child=image, parents=parents)
        examined += len(images)
        last_pk = images[-1].pk
    return BackfillReport(images=examined, links_added=ImageParent.objects.count() - links_before)


def _parents_of_generations(ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    generations = (
        Generation.objects.filter(pk__in=ids)
        .only("pk", "remix_of_id", "run_again_of_id", "retry_of_id")
        .prefetch_related("references")
    )
    return {
        generation.pk: selectors.generation_lineage_parents(generation=generation)
        for generation in generations
    }


def _edits_by_hash(image: Image, *, known: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """An uploaded reference with the bytes of a gallery image: the edit was made from that image (the
    oldest holding those bytes). References picked from the gallery are already linked by id (`known`)."""
    hashes = set(image.reference_sha256 or [])
    if not hashes:
        return []
    hashes -= set(Image.objects.filter(pk__in=[pk for pk, _ in known]).values_list("sha256", flat=True))
    edits = []
    for sha256 in sorted(hashes):
        source = (
            Image.objects.filter(sha256=sha256, pk__lt=image.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if source is not None:
            edits.append((source, ImageParent.Kind.EDIT))
    return edits
