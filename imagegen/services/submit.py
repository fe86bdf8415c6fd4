"""Submitting a generation: the server's own check of the form, the team's admission (budget and limits),
the row and its reference images, and the task, all in one transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from core import image_formats
from gallery import files
from gallery.models import Image
from imagegen import admission, pricing
from imagegen import parameters as choices
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
    *,
    model: ImageModel,
    prompt: str,
    aspect_ratio: str,
    image_size: str,
    count: int,
    reference_count: int,
    parameters: Mapping[str, object] | None = None,
    provider: str = "",
) -> None:
    """The server's own check of what the form offers, against the model's stored descriptors (through
    `provider` when one is pinned); raises GenerationRefused with the field at fault."""
    if not model.selectable:
        raise GenerationRefused(f"{model.name} is not available: pick another model.", field="model")
    if not prompt.strip():
        raise GenerationRefused("Write a prompt describing the image.", field="prompt")
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise GenerationRefused(
            f"The prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_LENGTH}.", field="prompt"
        )
    offer = model.offer(provider or None)
    chosen = dict(parameters or {})
    _check_choice(model, offer, "aspect_ratio", aspect_ratio)
    _check_choice(model, offer, "resolution", image_size)
    for name in ("quality", "background", "output_format"):
        _check_choice(model, offer, name, chosen.get(name) or "")
    _check_seed(model, offer, chosen.get("seed"))
    if chosen.get("background") == "transparent" and chosen.get("output_format") not in (
        None,
        "",
        *choices.TRANSPARENT_FORMATS,
    ):
        raise GenerationRefused(
            "A transparent background needs PNG or WebP: choose one of them as the output format.",
            field="output_format",
        )
    limit = choices.count_limit(offer, MAX_COUNT)
    if not 1 <= count <= limit:
        raise GenerationRefused(f"{model.name} makes 1 to {limit} images at a time.", field="count")
    if reference_count and not model.accepts_images:
        raise GenerationRefused(
            f"{model.name} takes no reference images: remove them or pick a model that does.",
            field="reference_uploads",
        )
    if reference_count > MAX_REFERENCES:
        raise GenerationRefused(f"Use at most {MAX_REFERENCES} reference images.", field="reference_uploads")


def _check_choice(model: ImageModel, offer, name: str, value: str) -> None:
    """A blank value leaves the choice to the model; any other must be one the model offers."""
    if not value:
        return
    field_name, label = choices.FIELD_OF[name], choices.label_of(name)
    values = choices.offered_values(offer, name)
    if not values:
        raise GenerationRefused(f"{model.name} takes no {label} choice: leave it out.", field=field_name)
    if value not in values:
        raise GenerationRefused(
            f"{model.name} does not offer {label} {value!r}: choose one of {', '.join(values)}.",
            field=field_name,
        )


def _check_seed(model: ImageModel, offer, seed: object) -> None:
    if seed in (None, ""):
        return
    bounds = choices.seed_bounds(offer)
    if bounds is None:
        raise GenerationRefused(f"{model.name} takes no seed: leave it blank.", field="seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not bounds[0] <= seed <= bounds[1]:
        raise GenerationRefused(
            f"The seed must be a whole number from {bounds[0]} to {bounds[1]} for {model.name}.", field="seed"
        )


def generation_estimate(
    *,
    model: ImageModel,
    prompt: str = "",
    aspect_ratio: str = "",
    image_size: str = "",
    count: int = 1,
    parameters: Mapping[str, object] | None = None,
    references: Sequence[ReferenceInput] = (),
    provider: str = "",
) -> pricing.Estimate | None:
    """What the request is expected to cost (the form shows it; the budget reserves its top)."""
    offer = model.offer(provider or None)
    per_request = choices.images_per_request(offer, count)
    request_choices = pricing.Choices(
        count=count,
        requests=-(-count // per_request),
        aspect_ratio=aspect_ratio or choices.default_value(offer, "aspect_ratio"),
        image_size=image_size or choices.default_value(offer, "resolution"),
        quality=str((parameters or {}).get("quality") or ""),
        prompt_length=len(prompt),
        reference_megapixels=tuple(r.width * r.height / 1_000_000 for r in references),
    )
    return pricing.estimate(offer, request_choices)


def generation_create(
    *,
    member,
    model: ImageModel,
    prompt: str,
    aspect_ratio: str,
    image_size: str,
    count: int,
    parameters: Mapping[str, object] | None = None,
    references: Sequence[ReferenceInput] = (),
    submission_key: str = "",
    retry_of: Generation | None = None,
    provider: str = "",
    remix_of=None,
    run_again_of=None,
) -> Generation:
    """Record a generation and queue it. A repeated `submission_key` (a double-click) returns the first one.
    `parameters`: the other choices (seed, quality, background, output_format; blank ones are left to the
    model); `provider` pins the provider that serves it (a slug), as "Run again exactly" does."""
    request = {"model": model, "prompt": prompt, "aspect_ratio": aspect_ratio, "image_size": image_size,
               "count": count, "parameters": parameters, "provider": provider}  # fmt: skip
    generation_check(**request, reference_count=len(references))
    if submission_key and (existing := _submitted_before(member=member, submission_key=submission_key)):
        return existing

    # Worked out before the transaction: it holds SQLite's one write lock, which every submission and the
    # worker's writes wait for, so it should hold it for the reads and writes alone.
    estimate = generation_estimate(**request, references=references)
    images_per_request = choices.images_per_request(model.offer(provider or None), count)
    stored = [_store_reference(reference) for reference in references]
    try:
        with transaction.atomic():
            # Budget and limits: locks the member, refuses (AdmissionRefused) or reserves the worst case.
            reserved_usd = admission.generation_admit(member=member, model=model, estimate=estimate)
            generation = Generation.objects.create(
                member=member,
                model=model,
                prompt=prompt,
                aspect_ratio=aspect_ratio,
                image_size=image_size,
                count=count,
                parameters=_chosen(parameters),
                images_per_request=images_per_request,
                provider=provider,
                submission_key=submission_key,
                retry_of=retry_of,
                remix_of=remix_of,
                run_again_of=run_again_of,
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


def _chosen(parameters: Mapping[str, object] | None) -> dict[str, object]:
    """The choices a member made: blank ones are left to the model."""
    return {name: value for name, value in (parameters or {}).items() if value not in (None, "")}


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


def generation_retry(
    *, generation: Generation, member, submission_key: str = "", only_missing: bool = False
) -> Generation:
    """A new generation with the same prompt, model, choices, provider pin and references. `only_missing`
    asks only for the images that never arrived ("1 of 4 failed" retries the one)."""
    count = generation.count
    if only_missing:
        count = generation_missing_count(generation=generation)
        if count < 1:
            raise GenerationRefused("Every image of this generation arrived: nothing is missing.", field=None)
    references = _references_of(generation)
    image_size = generation.image_size
    if image_size == "1K" and not generation.model.offer().supports("resolution"):
        image_size = ""  # the form sent 1K for every model before models described their sizes
    return generation_create(
        member=member,
        model=generation.model,
        prompt=generation.prompt,
        aspect_ratio=generation.aspect_ratio,
        image_size=image_size,
        count=count,
        parameters=generation.parameters,
        references=references,
        submission_key=submission_key,
        retry_of=generation,
        provider=generation.provider,
    )


def generation_missing_count(*, generation: Generation) -> int:
    """Images asked for that never arrived (those moved to the trash since still count as arrived)."""
    return max(0, generation.count - Image.objects.filter(generation=generation).count())


def _store_reference(reference: ReferenceInput) -> tuple[str, bool]:
    sha256 = files.sha256_hex(reference.data)
    name = files.original_name(sha256=sha256, image_format=reference.image_format, folder="references")
    return name, files.write_file(name=name, data=reference.data)


def _discard_references(stored: Sequence[tuple[str, bool]]) -> None:
    for name, created in stored:
        if created and not GenerationReference.objects.filter(file_name=name).exists():
            files.delete_file(name=name)


def generation_run_again(*, image: Image, member) -> Generation:
    """A generation from an image's recipe: its model, the provider that served it (pinned), its seed,
    every parameter it was made with and its references; one image."""
    model = ImageModel.objects.filter(openrouter_id=image.model_slug).first()
    if model is None:
        raise GenerationRefused(f"{image.model_slug} is no longer on the team's list.", field="model")
    sent = dict(image.parameters or {})
    parameters = {name: sent.get(name) for name in ("quality", "background", "output_format")}
    parameters["seed"] = image.seed
    references = _references_of(image.generation) if image.generation_id is not None else []
    return generation_create(
        member=member,
        model=model,
        prompt=image.prompt,
        aspect_ratio=sent.get("aspect_ratio", ""),
        image_size=sent.get("image_size", ""),
        count=1,
        parameters=parameters,
        references=references,
        provider=image.provider_slug,
        run_again_of=image,
    )


def _references_of(generation: Generation) -> list[ReferenceInput]:
    """A generation's reference images, read back from their files, in order."""
    return [
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
