"""Writes for image generation; reads live in imagegen/selectors.py.

- submit:   the server's check of a request, admission, the row and its task (generation_create, …_retry)
- queue:    the generation task and everything that knows django-tasks-db (enqueue, claim, orphaned tasks)
- pending:  reference uploads kept between a refused submission and the next
- run:      a claimed generation's requests, its images stored as they land, its final state; heartbeat
- progress: live progress written to the row a few times a second
- recovery: settling generations whose worker died
- warmup:   what a fresh worker's first generation would pay, paid at start
- workers:  each worker process's own heartbeat (alive, where, how busy) and its clean stop
"""

from imagegen.services.pending import (
    pending_reference_input,
    pending_references_clear,
    pending_references_forget_old,
    pending_references_keep,
)
from imagegen.services.progress import ProgressRecorder
from imagegen.services.recovery import MAX_RECOVERY_ATTEMPTS, RecoveryReport, generations_recover
from imagegen.services.retry import with_database_retry
from imagegen.services.run import describe_failure, generation_run, generations_heartbeat
from imagegen.services.submit import (
    MAX_COUNT,
    MAX_PROMPT_LENGTH,
    MAX_REFERENCES,
    ReferenceInput,
    generation_check,
    generation_create,
    generation_estimate,
    generation_missing_count,
    generation_retry,
    generation_run_again,
)
from imagegen.services.warmup import generation_path_warm_up
from imagegen.services.workers import (
    WorkerIdentity,
    worker_heartbeat,
    worker_stopped,
    workers_forget_old,
)

__all__ = [
    "MAX_COUNT",
    "MAX_PROMPT_LENGTH",
    "MAX_RECOVERY_ATTEMPTS",
    "MAX_REFERENCES",
    "ProgressRecorder",
    "RecoveryReport",
    "ReferenceInput",
    "WorkerIdentity",
    "describe_failure",
    "generation_check",
    "generation_create",
    "generation_estimate",
    "generation_missing_count",
    "generation_path_warm_up",
    "generation_retry",
    "generation_run",
    "generation_run_again",
    "generations_heartbeat",
    "generations_recover",
    "pending_reference_input",
    "pending_references_clear",
    "pending_references_forget_old",
    "pending_references_keep",
    "with_database_retry",
    "worker_heartbeat",
    "worker_stopped",
    "workers_forget_old",
]
