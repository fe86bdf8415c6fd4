import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gallery.storage import storage_reachability
from imagegen import selectors as imagegen_selectors
from imagegen.selectors import WorkHealth


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _work_fields(health: WorkHealth) -> dict:
    return {
        "worker_heartbeat_age_seconds": health.worker_heartbeat_age_seconds,
        "oldest_queued_seconds": health.oldest_queued_seconds,
        "live_workers": health.live_workers,
    }


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """200 when the database answers, 503 otherwise: for Docker, load balancers and uptime checks.

    The JSON also says how the queue is doing (ages in seconds, null when there is nothing to age); the
    status code ignores it on purpose, so a web server's health check never flaps with the worker's."""
    if not _database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    try:
        work = _work_fields(imagegen_selectors.work_health())
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    # Storage is reported, not fatal: pages still answer without pictures while a bucket is away.
    return JsonResponse({"status": "ok", "database": "ok", "storage": storage_reachability(), **work})


@require_GET
@never_cache
@login_not_required
def healthz_work(request):
    """For monitoring the queue: 503 when queued work has waited over EASEL_STUCK_QUEUE_SECONDS and no
    worker is alive to take it, 200 otherwise; the JSON says why. Nothing private is in it."""
    threshold = settings.STUCK_QUEUE_SECONDS
    try:
        health = imagegen_selectors.work_health()
    except DatabaseError:
        body = {"status": "unavailable", "reason": "The database does not answer."}
        return JsonResponse(body, status=503)
    if health.stuck(after_seconds=threshold):
        reason = (
            f"Queued work has waited {health.oldest_queued_seconds:.0f} s (over {threshold:g} s) "
            "and no worker is alive to run it."
        )
        return JsonResponse({"status": "stuck", "reason": reason, **_work_fields(health)}, status=503)
    if health.live_workers:
        reason = f"{health.live_workers} worker{'s' if health.live_workers != 1 else ''} alive."
    elif health.oldest_queued_seconds is None:
        reason = "No worker is alive, but nothing is waiting for one."
    else:
        reason = f"No worker is alive; queued work has waited {health.oldest_queued_seconds:.0f} s so far."
    return JsonResponse({"status": "ok", "reason": reason, **_work_fields(health)})


@require_GET
@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (a file served as it is, a JSON answer)."""
    return HttpResponsePermanentRedirect(static("img/easel.svg"))


def server_error(request):
    """Never a traceback: a plain page, and a 503 with Retry-After when the database is unreachable.

    Rendered without the request context (no user, no session), since those may be what failed.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
    else:
        response = HttpResponse(render_to_string("500.html"), status=500)
    response["Cache-Control"] = "no-store"
    return response
