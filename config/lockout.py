"""What a locked-out sign-in gets (django-axes calls lockout_response, settings.AXES_LOCKOUT_CALLABLE).

The same sign-in form, on /login/ or /admin/login/, with a message that says when to try again, and
status 429 with Retry-After: the page stays a form a person (and a screen reader) can read.
"""

import math
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format


class LockedOutForm(AuthenticationForm):
    """The sign-in form as it was posted, refused with the lockout message without checking anything."""

    def __init__(self, request, *, message: str, **kwargs):
        super().__init__(request, **kwargs)
        self.lockout_message = message

    def clean(self):
        raise forms.ValidationError(self.lockout_message, code="locked_out")


def lockout_ends_at(request, credentials) -> datetime:
    """When the lockout lifts: failures count for AXES_COOLOFF_TIME after each one, and the lockout ends
    when what is left of them (by username, and by address) drops below the limit again."""
    cool_off, limit = get_cool_off(request), get_failure_limit(request, credentials)
    ends = timezone.now() + cool_off
    latest = None
    for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials):
        rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
        remaining = sum(failures for _, failures in rows)
        release = None
        for attempt_time, failures in rows:
            if remaining < limit:
                break
            remaining -= failures
            release = attempt_time + cool_off
        if release is not None:
            latest = release if latest is None else max(latest, release)
    return latest or ends


def lockout_message(ends_at: datetime, *, now: datetime | None = None) -> tuple[str, int]:
    """The sentence for the form, and the seconds until then (for Retry-After)."""
    seconds = max(1, math.ceil((ends_at - (now or timezone.now())).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    at = time_format(timezone.localtime(ends_at), "TIME_FORMAT")  # core/formats: 24-hour
    text = (
        "Too many failed sign-ins for this username or from your network. "
        f"Try again at {at} (in {minutes} minute{'s' if minutes != 1 else ''}), "
        "or ask an admin to unlock your account."
    )
    return text, seconds


def lockout_response(request, original_response=None, credentials=None):
    text, seconds = lockout_message(lockout_ends_at(request, credentials))
    form = LockedOutForm(request, message=text, data=request.POST or None)
    form.is_valid()
    if request.path.startswith(reverse("admin:login")):
        context = {
            **admin.site.each_context(request),
            "title": "Log in",
            "site_header": admin.site.site_header,
            "form": form,
            "app_path": request.get_full_path(),
            "username": request.POST.get("username", ""),
            "next": request.POST.get("next", ""),
        }
        template = "admin/login.html"
    else:
        context = {"form": form, "next": request.POST.get("next", ""), "lockout": text}
        template = "registration/login.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
