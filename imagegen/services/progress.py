"""Progress of a running generation: events from its request threads, written to its row a few times a
second by one writer thread per process, so the page's poll can show each card's stage live."""

import io
import logging
import threading

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from PIL import Image as PILImage

import openrouter
from core import image_formats
from gallery import files
from imagegen.models import Generation
from imagegen.services.retry import with_database_retry

logger = logging.getLogger("easel.generation")

PROGRESS_FLUSH_SECONDS = 0.25
# Bytes of a response that arrive with no text: the image's base64 is streaming in.
RECEIVING_THRESHOLD_BYTES = 16 * 1024
TEXT_LIMIT = 20_000
# A preview fills the card's picture area; small, as it rides in every poll while the card runs.
PREVIEW_LONG_SIDE = 320


class ProgressRecorder:
    """Collects events from the request threads and writes them to the row a few times a second.

    Event handlers only change memory (they run in the streaming thread, which must not wait on the
    database), except the first RequestSending, which is written at once: from then on a retry could
    cost money, and recovery must know it. (The worker's claim records it with the claim itself and
    says so with `sent_recorded`.)
    """

    STAGE_ORDER = [
        Generation.Stage.QUEUED,
        Generation.Stage.SENDING,
        Generation.Stage.WORKING,
        Generation.Stage.RECEIVING,
        Generation.Stage.SAVING,
        Generation.Stage.DONE,
    ]
    ENDED = (Generation.Stage.DONE, Generation.Stage.FAILED)

    def __init__(self, *, generation_id: int, count: int, sent_recorded: bool = False):
        self.generation_id = generation_id
        self._lock = threading.Lock()
        self._requests = {
            str(i): {"stage": Generation.Stage.SENDING, "bytes": 0, "images": 0} for i in range(count)
        }
        self._text_bytes = dict.fromkeys(self._requests, 0)
        self._reasoning: dict[str, str] = dict.fromkeys(self._requests, "")
        self._text: dict[str, str] = dict.fromkeys(self._requests, "")
        self._preview: bytes | None = None
        self._dirty = False
        self._sent_recorded = sent_recorded

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
        if isinstance(event, openrouter.PreviewReceived):
            self._take_preview(event)
            return
        with self._lock:
            state = self._requests[key]
            shown_before = self._shown(state)
            match event:
                case openrouter.RequestSending():
                    state.update(stage=Generation.Stage.SENDING, bytes=0)
                    self._text_bytes[key] = 0
                    if len(self._requests) == 1 and self._shown(state) == shown_before:
                        # The claim wrote "sending" on the row, and a card of one request shows no more:
                        # no write (in a burst of 100, one each, all while the submissions hold the lock).
                        return
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

    def _take_preview(self, event: openrouter.PreviewReceived) -> None:
        """Keep the latest preview, shrunk to a small WebP, and have it written at once: the card shows
        it at its next poll. Outside the lock: shrinking takes a few milliseconds."""
        preview = preview_webp(event.data)
        if preview is None:
            return
        with self._lock:
            self._preview = preview
            self._dirty = True
        _progress_writer.wake()

    @staticmethod
    def _shown(state: dict) -> tuple:
        """What a card shows of one request: its stage and, while the image arrives, the KB received."""
        receiving = state["stage"] == Generation.Stage.RECEIVING
        return state["stage"], round(state["bytes"] / 1024) if receiving else None

    def set_stage(self, index: int, stage: str) -> None:
        with self._lock:
            self._requests[str(index)]["stage"] = stage
            self._dirty = True
            others_running = any(
                state["stage"] not in self.ENDED for key, state in self._requests.items() if key != str(index)
            )
        if stage == Generation.Stage.DONE and others_running:
            # The image is in the gallery: show it now, while the other requests go on. After the last
            # request, the generation's finish (the next write) shows it: one write fewer for each.
            self.flush()

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
            if self._preview is not None:
                fields["preview"] = self._preview
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


def preview_webp(data: bytes) -> bytes | None:
    """A streamed preview as a small WebP for the card, or None if it is not a picture Easel would keep
    (a missed preview is only a missed glimpse: the image itself is checked in full when it arrives)."""
    try:
        with PILImage.open(io.BytesIO(data), formats=list(image_formats.PILLOW_FORMATS)) as source:
            if source.width * source.height > settings.MAX_IMAGE_PIXELS:
                return None
        return files.make_thumbnail(data, long_side=PREVIEW_LONG_SIDE).data
    except Exception:
        logger.info("A preview could not be read; the card keeps its previous one", exc_info=True)
        return None


class _ProgressWriter:
    """The one thread, and database connection, that writes every running generation's progress.

    A thread per generation opened a connection per generation: on PostgreSQL a new server process and a
    password exchange each, about 14 ms of CPU, 20 times over when 20 generations start at once (and on
    one machine that CPU is taken from the pages). The thread ends when nothing runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._recorders: set[ProgressRecorder] = set()
        self._running = False
        self._woken = threading.Event()

    def add(self, recorder: ProgressRecorder) -> None:
        with self._lock:
            self._recorders.add(recorder)
            if not self._running:
                self._running = True
                threading.Thread(target=self._write_until_idle, name="progress-writer", daemon=True).start()

    def remove(self, recorder: ProgressRecorder) -> None:
        with self._lock:
            self._recorders.discard(recorder)

    def wake(self) -> None:
        """Write now rather than at the next tick (a preview: the member is watching for it)."""
        self._woken.set()

    def _write_until_idle(self) -> None:
        try:
            while True:
                self._woken.wait(PROGRESS_FLUSH_SECONDS)
                self._woken.clear()
                with self._lock:
                    recorders = list(self._recorders)
                    if not recorders:
                        self._running = False
                        return
                for recorder in recorders:
                    with self._lock:
                        if recorder not in self._recorders:
                            # Finished since the list was taken: its final state is written, and a write
                            # after it would only wait its turn at the write lock to change nothing.
                            continue
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
