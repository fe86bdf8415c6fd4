"""Running a claimed generation in the task worker: its requests to OpenRouter, storing the images that
arrive, and the final state of its row.

A generation is one submission of the Generate form: `count` requests for the same prompt, run in
parallel. Every path ends in "succeeded" or "failed": errors become a message a member can act on, and
images are stored as they land.
"""

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

import openrouter
from core import money
from gallery import files
from gallery import services as gallery_services
from gallery.models import Image
from imagegen import selectors
from imagegen.client import api_for, openrouter_client
from imagegen.models import Generation
from imagegen.services.progress import TEXT_LIMIT, ProgressRecorder
from imagegen.services.retry import with_database_retry, with_storage_retry

logger = logging.getLogger("easel.generation")

# Generations this process is running: the heartbeat covers these only, so a generation whose thread
# died goes stale and recovery settles it, even while the worker process itself lives on.
_active: set[int] = set()
_active_lock = threading.Lock()


def settlement_fields(*, cost_usd: Decimal | None) -> dict:
    """Fields that settle a finishing generation: the actual cost replaces the reservation.

    `cost_usd` is what OpenRouter reported (None when it reported nothing, e.g. a failure before any
    charge): the reservation is released either way. Update these together with the final status, in
    the same statement, so no moment counts both or neither.
    """
    # The preview was progress only: the finished card shows the image (or why there is none).
    return {"cost_usd": money.stored(cost_usd), "reserved_usd": Decimal(0), "preview": None}


def generations_heartbeat(*, worker_id: str) -> int:
    """Mark alive the generations this process is running (the worker loop calls it every few seconds)."""
    with _active_lock:
        active = list(_active)
    if not active:
        return 0
    return Generation.objects.filter(
        pk__in=active, worker_id=worker_id, status=Generation.Status.RUNNING
    ).update(heartbeat_at=timezone.now())


def generation_run(
    *, generation_id: int, client: openrouter.OpenRouterClient | None = None, worker_id: str = ""
) -> None:
    """Run a queued generation to the end. Safe to call twice: only the call that claims the row runs it.

    `worker_id` names the worker holding it, so recovery can tell whose heartbeat went stale."""
    generation = with_database_retry(lambda: _queued(generation_id))
    if generation is None:
        return
    prepared = _prepare(generation, client)
    if not with_database_retry(lambda: _claim(generation, worker_id, sending=prepared.sendable)):
        return
    with _active_lock:
        _active.add(generation.pk)
    _release_pooled_connection()
    try:
        _run_claimed(generation, prepared)
    finally:
        with _active_lock:
            _active.discard(generation.pk)


def _release_pooled_connection() -> None:
    """With a connection pool (EASEL_DATABASE_POOL_SIZE), give this thread's connection back before the
    seconds of waiting on OpenRouter, so that a worker's threads share the pool's few connections rather
    than each holding one; the answer's rows borrow one again. Without a pool the connection stays: a new
    one for every answer would cost PostgreSQL a process and a login each time."""
    if settings.DATABASE_POOL_SIZE and not connection.in_atomic_block:
        connection.close()


def _requests_of(generation: Generation, api: str) -> tuple[int, int]:
    """(requests, images in each): the Image API makes `images_per_request` at once; chat makes one."""
    per_request = max(1, generation.images_per_request) if api == "images" else 1
    return -(-generation.count // per_request), per_request


@dataclass
class PreparedRun:
    """A generation's requests, built before it is claimed: `failure` when they cannot be sent at all."""

    requests: int
    per_request: int = 1
    request: openrouter.ImageRequest | None = None
    client: openrouter.OpenRouterClient | None = None
    failure: "RequestOutcome | None" = None

    @property
    def sendable(self) -> bool:
        return self.failure is None


def _prepare(generation: Generation, client: openrouter.OpenRouterClient | None) -> PreparedRun:
    """Never raises: a generation that cannot be prepared is still claimed, and fails saying why."""
    requests = 1
    try:
        api = client.api.name if client is not None else api_for(generation.model.api)
        requests, per_request = _requests_of(generation, api)
        request = _image_request(generation, n=per_request)
        client = client or openrouter_client(api=api)
    except openrouter.OpenRouterError as error:
        return PreparedRun(requests=requests, failure=RequestOutcome(index=0, error=error))
    except Exception:
        logger.exception("Generation %s failed inside Easel", generation.pk)
        return PreparedRun(requests=requests, failure=RequestOutcome(index=0, internal_error=True))
    return PreparedRun(requests=requests, per_request=per_request, request=request, client=client)


def _run_claimed(generation: Generation, prepared: PreparedRun) -> None:
    requests, request, client = prepared.requests, prepared.request, prepared.client
    # The claim recorded the request as sent (when there is one to send): the recorder need not again.
    recorder = ProgressRecorder(generation_id=generation.pk, count=requests, sent_recorded=prepared.sendable)
    recorder.start()
    outcomes: list[RequestOutcome] = []
    try:
        if not prepared.sendable:
            outcomes = [prepared.failure]
        elif requests == 1:
            outcomes = [_run_request(generation, request, 0, client, recorder, last=True)]
        else:
            with ThreadPoolExecutor(max_workers=requests, thread_name_prefix=f"gen{generation.pk}") as pool:
                futures = [
                    pool.submit(_run_request_in_thread, generation, request, index, client, recorder)
                    for index in range(requests)
                ]
                outcomes = [future.result() for future in futures]
    except Exception:
        logger.exception("Generation %s failed inside Easel", generation.pk)
        outcomes = [RequestOutcome(index=0, internal_error=True)]
    finally:
        recorder.stop()
    if not any(outcome.finished for outcome in outcomes):
        with_database_retry(lambda: _finish(generation, outcomes, recorder))


def _queued(generation_id: int) -> Generation | None:
    # Its references are read once, here: the request sends them, and the images' recipe and lineage name them.
    return (
        Generation.objects.select_related("model", "member")
        .prefetch_related("references")
        .filter(pk=generation_id, status=Generation.Status.QUEUED)
        .first()
    )


def _claim(generation: Generation, worker_id: str, *, sending: bool) -> bool:
    """Take the queued row for this worker. When its request is ready to leave, the same write records it
    as sent: from here on a retry could pay twice, and recovery must know it (one write, not two, for
    each generation of a burst, each waiting its turn for SQLite's one write lock)."""
    now = timezone.now()
    sent = {"request_sent_at": now} if sending else {}
    claimed = Generation.objects.filter(pk=generation.pk, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING,
        stage=Generation.Stage.SENDING,
        worker_id=worker_id,
        heartbeat_at=now,
        started_at=now,
        attempts=F("attempts") + 1,
        preview=None,  # an earlier attempt's preview is not this attempt's picture
        updated_at=now,
        **sent,
    )
    return claimed == 1


def _image_request(generation: Generation, *, n: int = 1) -> openrouter.ImageRequest:
    references = tuple(
        openrouter.ReferenceImage(
            data=files.read_file(name=reference.file_name), mime_type=reference.mime_type
        )
        for reference in generation.references.all()
    )
    chosen = generation.parameters or {}
    return openrouter.ImageRequest(
        model=generation.model.openrouter_id,
        prompt=generation.prompt,
        output_modalities=tuple(generation.model.output_modalities or ("image",)),
        aspect_ratio=generation.aspect_ratio or None,
        image_size=generation.image_size or None,
        reference_images=references,
        n=n,
        seed=chosen.get("seed"),
        quality=chosen.get("quality") or None,
        background=chosen.get("background") or None,
        output_format=chosen.get("output_format") or None,
        provider_only=(generation.provider,) if generation.provider else (),
    )


@dataclass
class RequestOutcome:
    index: int
    result: openrouter.GenerationResult | None = None
    images: list[Image] = field(default_factory=list)
    error: openrouter.OpenRouterError | None = None
    internal_error: bool = False
    save_error: bool = False
    finished: bool = False  # the generation's finish was written with this request's images


def _run_request_in_thread(*args) -> "RequestOutcome":
    try:
        return _run_request(*args)
    finally:
        connection.close()  # this pool thread's own connection


def _run_request(
    generation: Generation,
    request: openrouter.ImageRequest,
    index: int,
    client: openrouter.OpenRouterClient,
    recorder: "ProgressRecorder",
    *,
    last: bool = False,
) -> RequestOutcome:
    """`last`: no other request of the generation runs, so its images and the generation's finish are
    written in one transaction (one turn at SQLite's write lock rather than two, in a burst)."""
    started = time.monotonic()
    try:
        result = client.generate(request, on_event=lambda event: recorder.on_event(index, event))
    except openrouter.OpenRouterError as error:
        recorder.request_failed(index)
        return RequestOutcome(index=index, error=error)
    except Exception:
        logger.exception("Request %d of generation %s failed inside Easel", index, generation.pk)
        recorder.request_failed(index)
        return RequestOutcome(index=index, internal_error=True)
    latency_ms = round((time.monotonic() - started) * 1000)
    recorder.set_stage(index, Generation.Stage.SAVING)
    try:
        if not result.provider:
            result = dataclasses.replace(result, provider=_provider_that_served(generation, result, client))
        then = (lambda rows: _finish_with(generation, index, result, rows, recorder)) if last else None
        images = _save_images(generation, index, result, latency_ms, then=then)
    except Exception:
        logger.exception("Saving the images of generation %s failed", generation.pk)
        recorder.request_failed(index)
        return RequestOutcome(index=index, result=result, save_error=True)
    recorder.set_stage(index, Generation.Stage.DONE)
    return RequestOutcome(index=index, result=result, images=images, finished=last)


def _finish_with(generation, index: int, result, rows: list[Image], recorder: "ProgressRecorder") -> None:
    # As _run_claimed before its finish: no progress write of a running row after the final state.
    recorder.stop()
    recorder.set_stage(index, Generation.Stage.DONE)  # as the finished card shows it
    _finish(generation, [RequestOutcome(index=index, result=result, images=rows)], recorder)


def _provider_that_served(
    generation: Generation, result: openrouter.GenerationResult, client: openrouter.OpenRouterClient
) -> str | None:
    """The Image API's answer names no provider: the pinned one, the model's only one, or what OpenRouter
    recorded for the generation (best effort: the recipe says "not reported" without it)."""
    providers = generation.model.offer().providers
    if generation.provider or len(providers) == 1:
        return generation.provider or providers[0].name
    if not result.generation_id:
        return None
    try:
        return client.generation_info(result.generation_id).provider_name
    except openrouter.OpenRouterError as error:
        logger.info("No provider recorded for %s: %s", result.generation_id, error.message)
        return None


def _recipe(generation: Generation, result: openrouter.GenerationResult) -> dict:
    """What it takes to make the image again: the API, the provider (as a slug, to pin), the seed sent
    (an image's own echoed seed wins), every parameter sent and the SHA-256 of each reference."""
    request = _image_request_parameters(generation)
    provider = result.provider or ""
    known = generation.model.offer().providers
    slug = next((p.slug for p in known if provider in (p.name, p.slug)), generation.provider or "")
    return {
        "api": api_for(generation.model.api),
        "provider_slug": slug,
        "seed": request.get("seed"),
        "parameters": request,
        "reference_sha256": [reference.sha256 for reference in generation.references.all()],
    }


def _image_request_parameters(generation: Generation) -> dict:
    sent = {
        "aspect_ratio": generation.aspect_ratio,
        "image_size": generation.image_size,
        "n": generation.images_per_request if generation.images_per_request > 1 else None,
    }
    return {
        key: value for key, value in (sent | (generation.parameters or {})).items() if value not in (None, "")
    }


def _save_images(
    generation: Generation,
    index: int,
    result: openrouter.GenerationResult,
    latency_ms: int,
    *,
    then: Callable[[list[Image]], None] | None = None,
) -> list[Image]:
    """Files first, then the rows in one transaction (with `then(rows)`, when given, inside it); on any
    failure the files written here are removed."""
    stored = []
    try:
        for image in result.images:
            stored.append(
                with_storage_retry(
                    lambda image=image: gallery_services.image_files_store(
                        data=image.data, image_format=image.format, thumbnail=image.derived
                    )
                )
            )
        usage = result.usage
        per_image_cost = _per_image_cost(result)

        def create_rows() -> list[Image]:
            # Both read the database (references, lineage), so they are retried with the rows.
            recipe = _recipe(generation, result)
            parents = selectors.generation_lineage_parents(generation=generation)
            with transaction.atomic():
                rows = [
                    gallery_services.image_create(
                        owner=generation.member,
                        stored=stored_files,
                        generation=generation,
                        index=index * 10 + image.index,
                        mime_type=image.mime_type,
                        image_format=image.format,
                        width=image.width,
                        height=image.height,
                        aspect_ratio=generation.aspect_ratio,
                        image_size=generation.image_size,
                        prompt=generation.prompt,
                        model_slug=generation.model.openrouter_id,
                        model_name=generation.model.name,
                        provider=result.provider or "",
                        openrouter_generation_id=result.generation_id or "",
                        prompt_tokens=usage.prompt_tokens if usage else None,
                        completion_tokens=usage.completion_tokens if usage else None,
                        image_tokens=usage.image_tokens if usage else None,
                        cost_usd=per_image_cost,
                        latency_ms=latency_ms,
                        recipe=recipe | {"seed": image.seed if image.seed is not None else recipe["seed"]},
                        model_text=result.text[:TEXT_LIMIT],
                    )
                    for image, stored_files in zip(result.images, stored, strict=True)
                ]
                for row in rows:
                    gallery_services.image_parents_record(child=row, parents=parents)
                if then is not None:
                    then(rows)
                return rows

        return with_database_retry(create_rows)
    except BaseException:
        _discard_stored(generation, stored)
        raise


def _per_image_cost(result: openrouter.GenerationResult):
    usage = result.usage
    if not (usage and usage.cost_usd is not None and result.images):
        return None
    return money.stored(usage.cost_usd / len(result.images), rounding=ROUND_HALF_EVEN)


def _discard_stored(generation: Generation, stored: list) -> None:
    try:
        with_database_retry(lambda: [gallery_services.image_files_discard(stored=files) for files in stored])
    except files.STORAGE_ERRORS:
        # No row names these files, so nobody sees them; they are content-hash names, reused or
        # left as orphans, never a half-written image.
        logger.warning("Files of generation %s could not be removed from storage", generation.pk)


def _finish(generation: Generation, outcomes: list[RequestOutcome], recorder: "ProgressRecorder") -> None:
    results = [outcome.result for outcome in outcomes if outcome.result is not None]
    images = [image for outcome in outcomes for image in outcome.images]
    costs = [r.usage.cost_usd for r in results if r.usage and r.usage.cost_usd is not None]
    failures = [outcome for outcome in outcomes if not outcome.images]
    now = timezone.now()
    fields = {
        "finished_at": now,
        "heartbeat_at": now,
        "updated_at": now,
        **settlement_fields(cost_usd=sum(costs, Decimal(0)) if costs else None),
        "prompt_tokens": sum(r.usage.prompt_tokens for r in results if r.usage) if results else None,
        "completion_tokens": sum(r.usage.completion_tokens for r in results if r.usage) if results else None,
        "openrouter_ids": [r.generation_id for r in results if r.generation_id],
        "text": recorder.text() or "\n\n".join(r.text for r in results if r.text)[:TEXT_LIMIT],
        "reasoning": recorder.reasoning(),
        "progress": recorder.snapshot(),
    }
    if images:
        fields.update(status=Generation.Status.SUCCEEDED, stage=Generation.Stage.DONE)
        if failures:
            kind, message = describe_failure(failures[0])
            fields.update(
                error_kind="partial",
                error_message=f"{len(failures)} of {generation.count} images failed: {message}",
            )
    else:
        kind, message = describe_failure(failures[0]) if failures else ("internal", INTERNAL_ERROR)
        fields.update(
            status=Generation.Status.FAILED,
            stage=Generation.Stage.FAILED,
            error_kind=kind,
            error_message=message,
        )
    # One statement, atomic by itself (and inside the images' transaction when it comes with them).
    Generation.objects.filter(pk=generation.pk).update(**fields)


INTERNAL_ERROR = "Something went wrong inside Easel while saving or sending this request. Try again; if it keeps happening, tell an admin."
SAVE_ERROR = "The image arrived but Easel could not store the image (is the disk full, or the storage bucket unreachable?). Try again; if it keeps happening, tell an admin."


def describe_failure(outcome: RequestOutcome) -> tuple[str, str]:
    """(kind, message) for the card: plain words with what to do; never a traceback or the key."""
    if outcome.save_error:
        return "save_failed", SAVE_ERROR
    error = outcome.error
    if error is None:
        return "internal", INTERNAL_ERROR
    if isinstance(error, openrouter.NoImageReturned):
        reply = (error.text or "").strip()
        message = "The model replied without an image."
        return (
            error.kind,
            f"{message} Its reply: “{reply[:1000]}”" if reply else f"{message} Try rewording the prompt.",
        )
    return error.kind, openrouter.redact_secrets(error.message, settings.OPENROUTER_API_KEY)
