import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """200 when the database answers, 503 otherwise: for Docker, load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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
