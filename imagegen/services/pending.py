"""Reference uploads kept between a refused submission and the next one (PendingReference).

A refused form comes back with its uploads as thumbnails instead of an empty file field: their files are
stored (content-hash names, as a generation's references are) and tied to the member. The next successful
submission clears them, and any left unused are removed after PENDING_REFERENCE_HOURS, files included
unless a generation's reference (or another pending upload) holds the same bytes."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core import image_formats
from gallery import files
from imagegen.models import GenerationReference, PendingReference
from imagegen.services.submit import ReferenceInput

PENDING_REFERENCE_HOURS = 24


def pending_references_keep(
    *, member, references: Sequence[ReferenceInput], upload_names: Sequence[str] = ()
) -> list[PendingReference]:
    """Store checked uploads as the member's pending references (a refused form shows them again)."""
    kept = []
    names = list(upload_names) + [""] * (len(references) - len(upload_names))
    for reference, upload_name in zip(references, names, strict=True):
        if reference.source_image is not None:
            continue  # a pick from the gallery is sent again as a pick, not kept as a file
        sha256 = files.sha256_hex(reference.data)
        name = files.original_name(sha256=sha256, image_format=reference.image_format, folder="references")
        files.write_file(name=name, data=reference.data)
        kept.append(
            PendingReference.objects.create(
                member=member,
                upload_name=upload_name[:255],
                file_name=name,
                mime_type=reference.mime_type,
                sha256=sha256,
                width=reference.width,
                height=reference.height,
                byte_size=len(reference.data),
            )
        )
    return kept


def pending_reference_input(pending: PendingReference) -> ReferenceInput:
    """A kept upload as the reference a submission sends, read back from its file."""
    return ReferenceInput(
        data=files.read_file(name=pending.file_name),
        mime_type=pending.mime_type,
        image_format=image_formats.FORMATS_BY_MIME[pending.mime_type],
        width=pending.width,
        height=pending.height,
    )


def pending_references_clear(*, member) -> int:
    """Forget the member's kept uploads (a submission went through, with or without them)."""
    return _discard(PendingReference.objects.filter(member=member))


def pending_references_forget_old(*, now: datetime | None = None) -> int:
    """Remove kept uploads nobody came back for within PENDING_REFERENCE_HOURS."""
    cutoff = (now or timezone.now()) - timedelta(hours=PENDING_REFERENCE_HOURS)
    return _discard(PendingReference.objects.filter(created_at__lt=cutoff))


def _discard(pending) -> int:
    # Nearly always there is nothing to discard: a read says so without waiting for SQLite's one write
    # lock, which a burst of submissions and the worker all queue for (bench/bench_generate.py).
    if not pending.exists():
        return 0
    with transaction.atomic():
        names = set(pending.values_list("file_name", flat=True))
        deleted, _ = pending.delete()
    _delete_unheld(names)
    return deleted


def _delete_unheld(names: Iterable[str]) -> None:
    for name in names:
        held = (
            GenerationReference.objects.filter(file_name=name).exists()
            or PendingReference.objects.filter(file_name=name).exists()
        )
        if not held:
            files.delete_file(name=name)
