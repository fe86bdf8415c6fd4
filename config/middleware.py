from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

from config.views import healthz, healthz_work
from core.ids import parse_id
from imagegen.services import MAX_REFERENCES

HEALTH_CHECKS = {"/healthz": healthz, "/healthz/work": healthz_work}


class HealthCheckMiddleware:
    """Answer /healthz and /healthz/work before host validation and the HTTPS redirect.

    Docker's HEALTHCHECK, load balancers and monitoring call them by IP over plain HTTP, which production
    settings (ALLOWED_HOSTS, SECURE_SSL_REDIRECT) would otherwise refuse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = HEALTH_CHECKS.get(request.path_info)
        if check is not None:
            return check(request)
        return self.get_response(request)


def member_request_limit() -> int:
    """The largest body a signed-in member needs: the Generate form with every reference image it takes."""
    return settings.FORM_ALLOWANCE_BYTES + MAX_REFERENCES * settings.MAX_REFERENCE_BYTES


class RequestSizeLimitMiddleware:
    """Refuse a request body that is too large before a byte of it is read.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves uploaded files out, and its upload handlers spool any size
    to disk, so the check is the declared Content-Length: 413 above the caller's limit (a small form for
    anyone signed out, the Generate form with its reference images for members). Django reads a body only
    up to its Content-Length, so a body without one (chunked) would be read as empty: it is refused with
    411 instead of being half-understood.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return HttpResponse("Send the request with a Content-Length.", status=411)
            return self.get_response(request)
        try:
            length = int(declared)
        except ValueError:
            return HttpResponse("The Content-Length is not a number.", status=400)
        signed_in = request.user.is_authenticated
        limit = member_request_limit() if signed_in else settings.MAX_ANONYMOUS_REQUEST_BYTES
        if length > limit:
            return _too_large(signed_in=signed_in, limit=limit)
        return self.get_response(request)


def _too_large(*, signed_in: bool, limit: int) -> HttpResponse:
    context = {
        "signed_in": signed_in,
        "limit_mb": limit // 1_000_000,
        "limit_kb": limit // 1024,
        "max_references": MAX_REFERENCES,
        "reference_mb": settings.MAX_REFERENCE_BYTES // 1_000_000,
    }
    return HttpResponse(render_to_string("413.html", context), status=413)


class AdminSelectionIdsMiddleware:
    """The admin's list actions filter `pk__in` the ticked ids unchecked, and a number too big for the
    database overflowed its driver (a 500): refuse such a selection first, as every other id input is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_admin_post = request.method == "POST" and request.path_info.startswith("/admin/")
        if is_admin_post and any(
            parse_id(value) is None for value in request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            return HttpResponseBadRequest("The selection names something that is not an id.")
        return self.get_response(request)
