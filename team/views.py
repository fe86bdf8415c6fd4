from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotFound
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from compare import selectors as compare_selectors
from imagegen import selectors as imagegen_selectors
from team import charts, selectors, services
from team.forms import MonthForm, SignUpForm


def staff_required(view):
    """Signed-in members who are not staff get 403 (LoginRequiredMiddleware sends the rest to log in)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("The team dashboard is for staff.")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def dashboard(request):
    form = MonthForm(request.GET)
    if not form.is_valid():
        return render(request, "team/dashboard.html", {"form": form, **_workers()}, status=400)
    month = form.cleaned_data["month"] or selectors.month_containing()
    days = selectors.daily_spend(month=month)
    context = {
        "form": form,
        "month": month,
        "is_current_month": month == selectors.month_containing(),
        "totals": selectors.month_totals(month=month),
        "members": selectors.spend_by_member(month=month),
        "models": selectors.spend_by_model(month=month),
        "days": days,
        "chart": charts.daily_bar_chart(days=days),
        "failures": selectors.failures_by_reason(month=month),
        "best_models": compare_selectors.best_statistics(since=month.start, until=month.end),
        "team_default_limit": selectors.team_default_limit(),
        "key_usage": selectors.openrouter_key_usage(),
        **_workers(),
    }
    return render(request, "team/dashboard.html", context)


def _workers() -> dict:
    workers = imagegen_selectors.workers_recent()
    return {
        "workers": workers,
        "workers_alive": any(worker.state == "alive" for worker in workers),
        "heartbeat_seconds": settings.HEARTBEAT_SECONDS,
        "heartbeat_stale_seconds": settings.HEARTBEAT_STALE_SECONDS,
    }


def _link_not_found() -> HttpResponseNotFound:
    """One page for every unknown, used or expired invite or reset link: rendered without the request, so
    no per-response token or nonce tells the cases apart (the bytes are the same for all three)."""
    return HttpResponseNotFound(render_to_string("team/link_not_found.html"))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request, token: str):
    """The sign-up page behind an invite link. Unknown, used and expired links get the same 404."""
    try:
        services.invite_usable(token=token)
    except services.InviteUnusable:
        return _link_not_found()
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            member = services.invite_accept(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except services.InviteUnusable:
            return _link_not_found()
        except services.UsernameTaken:
            form.add_error("username", "That username was taken a moment ago: choose another.")
        else:
            login(request, member, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Easel, {member.get_username()}.")
            return redirect("imagegen:generate")
    return render(request, "team/invite.html", {"form": form}, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def password_change(request):
    """The signed-in member's own password: the current one, then the new one twice (Django's form and
    validators). This browser stays signed in; every other session of the member is signed out."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        member = form.save()
        update_session_auth_hash(request, member)
        messages.success(request, "Your password is changed. Other browsers signed in as you are signed out.")
        return redirect("team:password_change")
    return render(request, "team/password_change.html", {"form": form}, status=422 if form.is_bound else 200)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request, token: str):
    """The page behind a password-reset link. Unknown, used and expired links get the same 404."""
    try:
        reset = services.password_reset_usable(token=token)
    except services.PasswordResetUnusable:
        return _link_not_found()
    form = SetPasswordForm(reset.member, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            member = services.password_reset_use(token=token, password=form.cleaned_data["new_password1"])
        except services.PasswordResetUnusable:
            return _link_not_found()
        messages.success(request, f"Your new password is set, {member.get_username()}: sign in with it.")
        return redirect("login")
    context = {"form": form, "member": reset.member}
    return render(request, "team/password_reset.html", context, status=422 if form.is_bound else 200)
