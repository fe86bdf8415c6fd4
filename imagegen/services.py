"""Writes for image generation: creating, running and recovering generations. Reads live in selectors.py.

A generation is one submission of the Generate form: `count` requests for the same prompt, run in
parallel by the task worker. Its row is the source of truth the page polls; the queue only carries
its id. Every path ends in "succeeded" or "failed": errors become a message a member can act on,
images are stored as they land, and recovery settles rows whose worker died.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import openrouter
from gallery import files
from gallery import services as gallery_services
from gallery.models import Image
from imagegen import tasks
from imagegen.models import Generation, GenerationReference, ImageModel
from imagegen.worker import current_worker_id
from team import services as team_services

logger = logging.getLogger("easel.generation")

MAX_COUNT = 4
MAX_PROMPT_LENGTH = 4000
MAX_REFERENCES = 4
MAX_RECOVERY_ATTEMPTS = 3
PROGRESS_FLUSH_SECONDS = 0.25
# Bytes of a response that arrive with no text: the image's base64 is streaming in.
RECEIVING_THRESHOLD_BYTES = 16 * 1024
TEXT_LIMIT = 20_000


class GenerationRefused(Exception):
    """The request breaks a rule the form shows; `field` names where the message belongs (None: the form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


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
    if submission_key:
        existing = Generation.objects.filter(member=member, submission_key=submission_key).first()
        if existing:
            return existing

    stored = [_store_reference(reference) for reference in references]
    try:
        with transaction.atomic():
            # Budget and limits: locks the member, refuses (AdmissionRefused) or reserves the worst case.
            reserved_usd = team_services.generation_admit(
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
                reserved_usd=reserved_usd,
            )
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
            # The queue lives in the same database: the task commits with the row, or neither does.
            tasks.run_generation.enqueue(generation_id=generation.pk)
    except IntegrityError:
        _discard_references(stored)
        if submission_key:
            existing = Generation.objects.filter(member=member, submission_key=submission_key).first()
            if existing:
                return existing
        raise
    except BaseException:
        _discard_references(stored)
        raise
    return generation


def generation_retry(*, generation: Generation, member, submission_key: str = "") -> Generation:
    """A new generation with the same prompt, model, ratio, size, count and references."""
    references = [
        ReferenceInput(
            data=files.read_file(name=reference.file_name),
            mime_type=reference.mime_type,
            image_format=files.FORMATS_BY_MIME[reference.mime_type],
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


# --- running (in the task worker) ------------------------------------------------------------------

# Generations this process is running: the heartbeat covers these only, so a generation whose thread
# died goes stale and recovery settles it, even while the worker process itself lives on.
_active: set[int] = set()
_active_lock = threading.Lock()


def with_database_retry[T](action: Callable[[], T], *, seconds: float | None = None) -> T:
    """Run `action`, retrying while the database is unreachable (a restart, a failover, a full disk).

    A generation's result must not be lost to a database outage of a few seconds: its images may
    already be paid for. Gives up, re-raising, after DATABASE_RETRY_SECONDS.
    """
    deadline = time.monotonic() + (settings.DATABASE_RETRY_SECONDS if seconds is None else seconds)
    delay = 0.5
    while True:
        try:
            return action()
        except (OperationalError, InterfaceError) as error:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("The database is unreachable (%s); retrying in %.1f s", error, delay)
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 5)


_clients: dict[tuple, openrouter.OpenRouterClient] = {}
_clients_lock = threading.Lock()


def openrouter_client(**overrides) -> openrouter.OpenRouterClient:
    """One pooled client per configuration, shared by the worker's threads (httpx.Client is thread-safe).

    `overrides` change options for a caller with other needs (the dashboard's quick key check). The
    client is shared: don't close it.
    """
    if not settings.OPENROUTER_API_KEY:
        raise openrouter.BadKey(
            "No OpenRouter API key is configured. Ask an admin to set OPENROUTER_API_KEY."
        )
    options = {
        "api_key": settings.OPENROUTER_API_KEY,
        "base_url": settings.OPENROUTER_BASE_URL,
        "app_url": settings.OPENROUTER_APP_URL,
        "app_title": settings.OPENROUTER_APP_TITLE,
        "connect_timeout": settings.OPENROUTER_CONNECT_TIMEOUT,
        "idle_timeout": settings.OPENROUTER_IDLE_TIMEOUT,
        "total_timeout": settings.OPENROUTER_TOTAL_TIMEOUT,
        "max_attempts": settings.OPENROUTER_MAX_ATTEMPTS,
        "retry_after_cap": settings.OPENROUTER_RETRY_AFTER_CAP,
        # The wire format ("chat" or "images"); results, events and errors are the same either way.
        "api": settings.OPENROUTER_API,
        "max_image_bytes": settings.MAX_IMAGE_BYTES,
        "max_pixels": settings.MAX_IMAGE_PIXELS,
    } | overrides
    key = tuple(sorted(options.items()))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = openrouter.OpenRouterClient(**options)
        return client


def generation_run(*, generation_id: int, client: openrouter.OpenRouterClient | None = None) -> None:
    """Run a queued generation to the end. Safe to call twice: only the call that claims the row runs it."""
    generation = with_database_retry(lambda: _claim(generation_id))
    if generation is None:
        return
    with _active_lock:
        _active.add(generation.pk)
    try:
        _run_claimed(generation, client)
    finally:
        with _active_lock:
            _active.discard(generation.pk)


def _run_claimed(generation: Generation, client: openrouter.OpenRouterClient | None) -> None:
    recorder = ProgressRecorder(generation_id=generation.pk, count=generation.count)
    recorder.start()
    outcomes: list[RequestOutcome] = []
    try:
        try:
            request = _image_request(generation)
            client = client or openrouter_client()
        except openrouter.OpenRouterError as error:
            outcomes = [RequestOutcome(index=0, error=error)]
        else:
            if generation.count == 1:
                outcomes = [_run_request(generation, request, 0, client, recorder)]
            else:
                with ThreadPoolExecutor(
                    max_workers=generation.count, thread_name_prefix=f"gen{generation.pk}"
                ) as pool:
                    futures = [
                        pool.submit(_run_request_in_thread, generation, request, index, client, recorder)
                        for index in range(generation.count)
                    ]
                    outcomes = [future.result() for future in futures]
    except Exception:
        logger.exception("Generation %s failed inside Easel", generation.pk)
        outcomes = [RequestOutcome(index=0, internal_error=True)]
    finally:
        recorder.stop()
    with_database_retry(lambda: _finish(generation, outcomes, recorder))


def _claim(generation_id: int) -> Generation | None:
    now = timezone.now()
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING,
        stage=Generation.Stage.SENDING,
        worker_id=current_worker_id.get(),
        heartbeat_at=now,
        started_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if claimed != 1:
        return None
    return Generation.objects.select_related("model", "member").get(pk=generation_id)


def _image_request(generation: Generation) -> openrouter.ImageRequest:
    references = tuple(
        openrouter.ReferenceImage(
            data=files.read_file(name=reference.file_name), mime_type=reference.mime_type
        )
        for reference in generation.references.all()
    )
    return openrouter.ImageRequest(
        model=generation.model.openrouter_id,
        prompt=generation.prompt,
        output_modalities=tuple(generation.model.output_modalities or ("image",)),
        aspect_ratio=generation.aspect_ratio or None,
        image_size=generation.image_size or None,
        reference_images=references,
    )


@dataclass
class RequestOutcome:
    index: int
    result: openrouter.GenerationResult | None = None
    images: list[Image] = field(default_factory=list)
    error: openrouter.OpenRouterError | None = None
    internal_error: bool = False
    save_error: bool = False


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
) -> RequestOutcome:
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
        images = _save_images(generation, index, result, latency_ms)
    except Exception:
        logger.exception("Saving the images of generation %s failed", generation.pk)
        recorder.request_failed(index)
        return RequestOutcome(index=index, result=result, save_error=True)
    recorder.set_stage(index, Generation.Stage.DONE)
    return RequestOutcome(index=index, result=result, images=images)


def _save_images(
    generation: Generation, index: int, result: openrouter.GenerationResult, latency_ms: int
) -> list[Image]:
    """Files first, then the rows in one transaction; on any failure the files written here are removed."""
    stored = []
    try:
        for image in result.images:
            stored.append(gallery_services.image_files_store(data=image.data, image_format=image.format))
        usage = result.usage
        per_image_cost = (
            (usage.cost_usd / len(result.images)).quantize(Decimal("0.000001"))
            if usage and usage.cost_usd is not None and result.images
            else None
        )

        def create_rows() -> list[Image]:
            with transaction.atomic():
                return [
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
                        model_text=result.text[:TEXT_LIMIT],
                    )
                    for image, stored_files in zip(result.images, stored, strict=True)
                ]

        return with_database_retry(create_rows)
    except BaseException:
        with_database_retry(lambda: [gallery_services.image_files_discard(stored=files) for files in stored])
        raise


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
        **team_services.generation_settlement(cost_usd=sum(costs, Decimal(0)) if costs else None),
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
    with transaction.atomic():
        Generation.objects.filter(pk=generation.pk).update(**fields)


INTERNAL_ERROR = "Something went wrong inside Easel while saving or sending this request. Try again; if it keeps happening, tell an admin."
SAVE_ERROR = "The image arrived but Easel could not store it (is the disk full?). Try again; if it keeps happening, tell an admin."


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


class ProgressRecorder:
    """Collects events from the request threads and writes them to the row a few times a second.

    Event handlers only change memory (they run in the streaming thread, which must not wait on the
    database), except the first RequestSending, which is written at once: from then on a retry could
    cost money, and recovery must know it.
    """

    STAGE_ORDER = [
        Generation.Stage.QUEUED,
        Generation.Stage.SENDING,
        Generation.Stage.WORKING,
        Generation.Stage.RECEIVING,
        Generation.Stage.SAVING,
        Generation.Stage.DONE,
    ]

    def __init__(self, *, generation_id: int, count: int):
        self.generation_id = generation_id
        self._lock = threading.Lock()
        self._requests = {
            str(i): {"stage": Generation.Stage.SENDING, "bytes": 0, "images": 0} for i in range(count)
        }
        self._text_bytes = dict.fromkeys(self._requests, 0)
        self._reasoning: dict[str, str] = dict.fromkeys(self._requests, "")
        self._text: dict[str, str] = dict.fromkeys(self._requests, "")
        self._dirty = False
        self._sent_recorded = False

    # lifecycle: the process's one progress writer flushes it a few times a second while it runs
    def start(self) -> None:
        _progress_writer.add(self)

    def stop(self) -> None:
        # A flush already under way cannot overwrite the final state: it only updates a running row.
        _progress_writer.remove(self)

    # events (from request threads)
    def on_event(self, index: int, event: object) -> None:
        key = str(index)
        if isinstance(event, openrouter.RequestSending):
            self._record_sent()
        with self._lock:
            state = self._requests[key]
            shown_before = self._shown(state)
            match event:
                case openrouter.RequestSending():
                    state.update(stage=Generation.Stage.SENDING, bytes=0)
                    self._text_bytes[key] = 0
                case openrouter.Retrying(delay_seconds=delay, reason=reason):
                    state.update(stage=Generation.Stage.SENDING, note=f"Retrying in {delay:.0f} s: {reason}")
                case openrouter.Started():
                    state.update(stage=Generation.Stage.WORKING, note="")
                case openrouter.ReasoningDelta(text=text):
                    self._reasoning[key] = (self._reasoning[key] + text)[-TEXT_LIMIT:]
                    self._text_bytes[key] = state["bytes"]
                case openrouter.ContentDelta(text=text):
                    self._text[key] = (self._text[key] + text)[-TEXT_LIMIT:]
                    self._text_bytes[key] = state["bytes"]
                case openrouter.BytesReceived(total_bytes=total):
                    state["bytes"] = total
                    if (
                        total - self._text_bytes[key] > RECEIVING_THRESHOLD_BYTES
                        and state["stage"] == Generation.Stage.WORKING
                    ):
                        state["stage"] = Generation.Stage.RECEIVING
                    if self._shown(state) == shown_before:
                        # A keep-alive every second, or bytes the card rounds away: no write to make.
                        return
                case openrouter.ImageReceived():
                    state["images"] += 1
                    state["stage"] = Generation.Stage.RECEIVING
                case openrouter.Finished():
                    state["stage"] = Generation.Stage.SAVING
                case _:
                    pass
            self._dirty = True

    @staticmethod
    def _shown(state: dict) -> tuple:
        """What a card shows of one request: its stage and, while the image arrives, the KB received."""
        receiving = state["stage"] == Generation.Stage.RECEIVING
        return state["stage"], round(state["bytes"] / 1024) if receiving else None

    def set_stage(self, index: int, stage: str) -> None:
        with self._lock:
            self._requests[str(index)]["stage"] = stage
            self._dirty = True
        if stage == Generation.Stage.DONE:
            self.flush()  # the image is in the gallery: show it now

    def request_failed(self, index: int) -> None:
        self.set_stage(index, Generation.Stage.FAILED)

    # reads
    def snapshot(self) -> dict:
        with self._lock:
            return {key: dict(state) for key, state in self._requests.items()}

    def text(self) -> str:
        with self._lock:
            return "\n\n".join(text for text in self._text.values() if text)

    def reasoning(self) -> str:
        with self._lock:
            return "\n\n".join(text for text in self._reasoning.values() if text)

    def _overall_stage(self) -> str:
        stages = [
            state["stage"] for state in self._requests.values() if state["stage"] != Generation.Stage.FAILED
        ]
        if not stages:
            return Generation.Stage.SAVING
        return min(stages, key=self.STAGE_ORDER.index)

    # writes
    def _record_sent(self) -> None:
        if self._sent_recorded:
            return
        self._sent_recorded = True
        now = timezone.now()
        # Must be on record before the request leaves: recovery decides on it whether a retry could pay twice.
        with_database_retry(
            lambda: Generation.objects.filter(pk=self.generation_id, request_sent_at__isnull=True).update(
                request_sent_at=now, stage=Generation.Stage.SENDING, heartbeat_at=now, updated_at=now
            )
        )

    def flush(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            progress = {key: dict(state) for key, state in self._requests.items()}
            fields = {
                "progress": progress,
                "stage": self._overall_stage(),
                "bytes_received": sum(state["bytes"] for state in progress.values()),
                "reasoning": "\n\n".join(text for text in self._reasoning.values() if text),
                "text": "\n\n".join(text for text in self._text.values() if text),
            }
        now = timezone.now()
        try:
            Generation.objects.filter(pk=self.generation_id, status=Generation.Status.RUNNING).update(
                **fields, heartbeat_at=now, updated_at=now
            )
        except (OperationalError, InterfaceError):
            # The database is away for a moment: keep the progress and write it at the next flush.
            with self._lock:
                self._dirty = True
            connection.close()


class _ProgressWriter:
    """The one thread, and database connection, that writes every running generation's progress.

    A thread per generation opened a connection per generation: on PostgreSQL a new server process and a
    password exchange each, about 14 ms of CPU, 20 times over when 20 generations start at once (and on
    one machine that CPU is taken from the pages). The thread ends when nothing runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._recorders: set[ProgressRecorder] = set()
        self._running = False

    def add(self, recorder: ProgressRecorder) -> None:
        with self._lock:
            self._recorders.add(recorder)
            if not self._running:
                self._running = True
                threading.Thread(target=self._write_until_idle, name="progress-writer", daemon=True).start()

    def remove(self, recorder: ProgressRecorder) -> None:
        with self._lock:
            self._recorders.discard(recorder)

    def _write_until_idle(self) -> None:
        try:
            while True:
                time.sleep(PROGRESS_FLUSH_SECONDS)
                with self._lock:
                    recorders = list(self._recorders)
                    if not recorders:
                        self._running = False
                        return
                for recorder in recorders:
                    try:
                        recorder.flush()
                    except Exception:
                        # One generation's bad write must not stop the others' progress.
                        logger.exception(
                            "Progress of generation %s could not be written", recorder.generation_id
                        )
        finally:
            connection.close()


_progress_writer = _ProgressWriter()


# --- heartbeat and recovery ------------------------------------------------------------------------


def generations_heartbeat(*, worker_id: str) -> int:
    """Mark alive the generations this process is running (the worker loop calls it every few seconds)."""
    with _active_lock:
        active = list(_active)
    if not active:
        return 0
    return Generation.objects.filter(
        pk__in=active, worker_id=worker_id, status=Generation.Status.RUNNING
    ).update(heartbeat_at=timezone.now())


@dataclass
class RecoveryReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def generations_recover(*, now=None) -> RecoveryReport:
    """Settle generations whose worker died (a stale heartbeat), so none stays "running" forever.

    A generation that never sent a request is queued again (nothing was paid); one that may have
    reached OpenRouter is failed as interrupted, because running it again could pay twice.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    report = RecoveryReport()
    stale = Generation.objects.filter(status=Generation.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, updated_at__lt=stale_before)
    )
    for generation in stale.only("pk", "request_sent_at", "attempts", "heartbeat_at", "count"):
        with transaction.atomic():
            still_stale = Generation.objects.filter(
                pk=generation.pk, status=Generation.Status.RUNNING, heartbeat_at=generation.heartbeat_at
            )
            if generation.request_sent_at is None and generation.attempts < MAX_RECOVERY_ATTEMPTS:
                if still_stale.update(
                    status=Generation.Status.QUEUED,
                    stage=Generation.Stage.QUEUED,
                    worker_id="",
                    heartbeat_at=None,
                    progress={},
                    updated_at=now,
                ):
                    tasks.run_generation.enqueue(generation_id=generation.pk)
                    report.requeued.append(generation.pk)
            elif _fail_interrupted(still_stale, generation, now):
                report.failed.append(generation.pk)
            _fail_orphaned_task(generation.pk, now)
    report.requeued += _requeue_lost_tasks(stale_before=stale_before)
    if report.requeued or report.failed:
        logger.warning(
            "Recovered generations whose worker stopped: requeued %s, failed %s",
            report.requeued,
            report.failed,
        )
    return report


def _requeue_lost_tasks(*, stale_before) -> list[int]:
    """Queued generations whose task can no longer run (its worker died before claiming the row)."""
    requeued = []
    waiting = Generation.objects.filter(status=Generation.Status.QUEUED, updated_at__lt=stale_before)
    for generation_id in waiting.values_list("pk", flat=True)[:500]:
        tasks_of = DBTaskResult.objects.filter(args_kwargs__kwargs__generation_id=generation_id)
        alive = tasks_of.filter(Q(status="READY") | Q(status="RUNNING", started_at__gte=stale_before))
        with transaction.atomic():
            if alive.exists():
                continue
            _fail_orphaned_task(generation_id, timezone.now())
            Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
                updated_at=timezone.now()
            )
            tasks.run_generation.enqueue(generation_id=generation_id)
            requeued.append(generation_id)
    return requeued


INTERRUPTED = (
    "Interrupted: the worker running this generation stopped after the request was sent, so it may have "
    "been charged. Easel did not retry it, to avoid paying twice. Try again."
)


def _fail_interrupted(still_stale, generation: Generation, now) -> bool:
    saved = Image.objects.filter(generation_id=generation.pk).count()
    # Settle: what OpenRouter reported for the images that landed is the cost; the reservation is released.
    saved_cost = Image.objects.filter(generation_id=generation.pk).aggregate(cost=Sum("cost_usd"))["cost"]
    settlement = team_services.generation_settlement(cost_usd=saved_cost)
    if saved:
        updated = still_stale.update(
            status=Generation.Status.SUCCEEDED,
            stage=Generation.Stage.DONE,
            error_kind="interrupted",
            error_message=f"Interrupted after {saved} of {generation.count} images arrived. {INTERRUPTED}",
            finished_at=now,
            updated_at=now,
            **settlement,
        )
    else:
        updated = still_stale.update(
            status=Generation.Status.FAILED,
            stage=Generation.Stage.FAILED,
            error_kind="interrupted",
            error_message=INTERRUPTED,
            finished_at=now,
            updated_at=now,
            **settlement,
        )
    return bool(updated)


def _fail_orphaned_task(generation_id: int, now) -> None:
    """django-tasks-db leaves a killed worker's task "running" forever; record what happened to it."""
    DBTaskResult.objects.filter(status="RUNNING", args_kwargs__kwargs__generation_id=generation_id).update(
        status="FAILED",
        finished_at=now,
        exception_class_path="imagegen.worker.WorkerLost",
        traceback="The worker running this task stopped (its heartbeat went stale); recovery settled the generation.",
    )
