"""Submitting a generation: the server's own check of the form, the team's admission (budget and limits),
the row and its reference images, and the task, all in one transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from core import image_formats
from gallery import files
from gallery.models import Image
from imagegen import admission
from imagegen.exceptions import GenerationRefused
from imagegen.models import Generation, GenerationReference, ImageModel
from imagegen.services import queue

MAX_COUNT = 4
MAX_PROMPT_LENGTH = 4000
MAX_REFERENCES = 4


@dataclass(frozen=True)
class ReferenceInput:
    """A checked reference image: an upload, or an image picked from the gallery (`source_image`)."""

    data: bytes = field(repr=False)
    mime_type: str
    image_format: str
    width: int
    height: int
    source_image: Image | None = None


# --- creating --------------------------------------------------------------------------------------


def generation_check(
    *, model: ImageModel, prompt: str, aspect_ratio: str, image_size: str, count: int, reference_count: int
) -> None:
    """The server's own check of what the form offers; raises GenerationRefused with the field at fault."""
    if not model.selectable:
        raise GenerationRefused(f"{model.name} is not available: pick another model.", field="model")
    if not prompt.strip():
        raise GenerationRefused("Write a prompt describing the image.", field="prompt")
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise GenerationRefused(
            f"The prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_LENGTH}.", field="prompt"
        )
    if aspect_ratio not in model.aspect_ratios:
        raise GenerationRefused(
            f"{model.name} does not offer the aspect ratio {aspect_ratio!r}: choose one from the list.",
            field="aspect_ratio",
        )
    if image_size not in model.image_sizes:
        raise GenerationRefused(
            f"{model.name} does not offer the image size {image_size!r}: choose one from the list.",
            field="image_size",
        )
    if not 1 <= count <= MAX_COUNT:
        raise GenerationRefused(f"Ask for 1 to {MAX_COUNT} images.", field="count")
    if reference_count and not model.accepts_images:
        raise GenerationRefused(
            f"{model.name} takes no reference images: remove them or pick a model that does.",
            field="reference_uploads",
        )
    if reference_count > MAX_REFERENCES:
        raise GenerationRefused(f"Use at most {MAX_REFERENCES} reference images.", field="reference_uploads")


def generation_create(
    *,
    member,
    model: ImageModel,
    prompt: str,
    aspect_ratio: str,
    image_size: str,
    count: int,
    references: Sequence[ReferenceInput] = (),
    submission_key: str = "",
    retry_of: Generation | None = None,
    remix_of=None,
) -> Generation:
    """Record a generation and queue it. A repeated `submission_key` (a double-click) returns the first one."""
    generation_check(
        model=model,
        prompt=prompt,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        count=count,
        reference_count=len(references),
    )
    if submission_key and (existing := _submitted_before(member=member, submission_key=submission_key)):
        return existing

    stored = [_store_reference(reference) for reference in references]
    try:
        with transaction.atomic():
            # Budget and limits: locks the member, refuses (AdmissionRefused) or reserves the worst case.
            reserved_usd = admission.generation_admit(
                member=member, model=model, image_size=image_size, count=count
            )
            generation = Generation.objects.create(
                member=member,
                model=model,
                prompt=prompt,
                aspect_ratio=aspect_ratio,
                image_size=image_size,
                count=count,
                submission_key=submission_key,
                retry_of=retry_of,
                remix_of=remix_of,
                reserved_usd=reserved_usd,
            )
            _record_references(generation=generation, references=references, stored=stored)
            # The queue lives in the same database: the task commits with the row, or neither does.
            queue.enqueue_generation(generation_id=generation.pk)
    except IntegrityError:
        _discard_references(stored)
        # Two submissions with one key raced: the other one's row is the answer.
        if submission_key and (existing := _submitted_before(member=member, submission_key=submission_key)):
            return existing
        raise
    except BaseException:
        _discard_references(stored)
        raise
    return generation


def _submitted_before(*, member, submission_key: str) -> Generation | None:
    return Generation.objects.filter(member=member, submission_key=submission_key).first()


def _record_references(
    *, generation: Generation, references: Sequence[ReferenceInput], stored: Sequence[tuple[str, bool]]
) -> None:
    for position, (reference, (name, _created)) in enumerate(zip(references, stored, strict=True)):
        GenerationReference.objects.create(
            generation=generation,
            position=position,
            file_name=name,
            mime_type=reference.mime_type,
            sha256=files.sha256_hex(reference.data),
            width=reference.width,
            height=reference.height,
            byte_size=len(reference.data),
            source_image=reference.source_image,
        )


def generation_retry(*, generation: Generation, member, submission_key: str = "") -> Generation:
    """A new generation with the same prompt, model, ratio, size, count and references."""
    references = [
        ReferenceInput(
            data=files.read_file(name=reference.file_name),
            mime_type=reference.mime_type,
            image_format=image_formats.FORMATS_BY_MIME[reference.mime_type],
            width=reference.width,
            height=reference.height,
            source_image=reference.source_image,
        )
        for reference in generation.references.all()
    ]
    return generation_create(
        member=member,
        model=generation.model,
        prompt=generation.prompt,
        aspect_ratio=generation.aspect_ratio,
        image_size=generation.image_size,
        count=generation.count,
        references=references,
        submission_key=submission_key,
        retry_of=generation,
    )


def _store_reference(reference: ReferenceInput) -> tuple[str, bool]:
    sha256 = files.sha256_hex(reference.data)
    name = files.original_name(sha256=sha256, image_format=reference.image_format, folder="references")
    return name, files.write_file(name=name, data=reference.data)


def _discard_references(stored: Sequence[tuple[str, bool]]) -> None:
    for name, created in stored:
        if created and not GenerationReference.objects.filter(file_name=name).exists():
            files.delete_file(name=name)
