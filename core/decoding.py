"""How many pictures one process decodes at once: a bound on the memory a burst of big images can take.

Decoding a 4096×4096 picture holds about 50 MB of pixels (and a thumbnail's conversion a second copy)
for the fraction of a second it takes. A worker runs up to EASEL_WORKER_THREADS generations, and when
their pictures arrive together every thread would decode at once: memory grew with the number running
(bench/bench_worker_memory.py). Decoding is CPU work, so more slots than CPUs add memory, not speed; a
picture that waits for a slot loses a moment, never its result.

Every Pillow decode of a whole picture (checking a model's image, thumbnails, display copies) runs in
`decoding_slot()`. A thread already holding a slot goes straight in again, so nesting cannot deadlock.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SLOTS = 4

_limit = {"slots": DEFAULT_SLOTS, "semaphore": threading.BoundedSemaphore(DEFAULT_SLOTS)}
_held = threading.local()


def set_decoding_slots(slots: int) -> None:
    """At start-up (gallery's AppConfig.ready, from settings.DECODING_SLOTS): pictures decoded at once."""
    if slots < 1:
        raise ValueError("at least one picture must be decodable at a time")
    _limit.update(slots=slots, semaphore=threading.BoundedSemaphore(slots))


def decoding_slots() -> int:
    return _limit["slots"]


@contextmanager
def decoding_slot() -> Iterator[None]:
    """Wait for one of the process's decoding slots and hold it for the block."""
    if getattr(_held, "slot", False):
        yield
        return
    semaphore = _limit["semaphore"]
    with semaphore:
        _held.slot = True
        try:
            yield
        finally:
            _held.slot = False
