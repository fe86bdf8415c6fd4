"""Admin for team controls: members with their budgets, and invites. (The generation log is imagegen's.)"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.money import usd
from team import selectors, services
from team.forms import InviteCreateForm
from team.models import Invite, MemberBudget, PasswordReset

User = get_user_model()


# --- links shown once ---------------------------------------------------------------------------------
# A new invite or reset link is shown on a page of its own after a redirect (POST, redirect, GET), so a
# refresh shows that page again instead of making another link. The link itself never goes in a URL: the
# session holds it for exactly one display, then it is gone (Easel keeps only its hash).
SHOWN_ONCE = "team_link_shown_once"


def _show_once(request, *, kind: str, pk: int, link: str, page: str):
    request.session[SHOWN_ONCE] = {"kind": kind, "pk": pk, "link": link}
    return redirect(reverse(page, args=[pk]))


def _take_shown(request, *, kind: str, pk: int) -> str | None:
    held = request.session.get(SHOWN_ONCE)
    if not held or (held.get("kind"), held.get("pk")) != (kind, pk):
        return None
    del request.session[SHOWN_ONCE]
    return held["link"]


def _no_store(response):
    response["Cache-Control"] = "private, no-store"  # the page may hold the only copy of the link
    return response


# --- members and their budgets ---------------------------------------------------------------------


class MemberBudgetInline(admin.StackedInline):
    model = MemberBudget
    can_delete = False
    max_num = 1
    fields = ["monthly_limit_usd"]
    verbose_name = verbose_name_plural = "monthly budget"


admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    """Django's User admin (add members, mark staff) with the member's monthly budget inline."""

    inlines = [MemberBudgetInline]
    change_form_template = "admin/team/member/change_form.html"
    # Easel has members and staff: no groups, no per-permission lists (Django's widget for them also
    # fails axe).
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    list_display = ["username", "email", "is_staff", "is_active", "budget_column", "last_login"]
    list_select_related = ["budget"]
    actions = ["make_password_reset_link", "unlock_sign_in"]

    @admin.action(description="Make a password-reset link (one member)")
    def make_password_reset_link(self, request, queryset):
        """Shows the link once, like an invite: only its hash is kept."""
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one member to make a reset link for.", messages.ERROR)
            return None
        reset, token = services.password_reset_create(member=queryset.get(), created_by=request.user)
        link = request.build_absolute_uri(reverse("team:password_reset", args=[token]))
        return _show_once(
            request, kind="reset", pk=reset.pk, link=link, page="admin:team_passwordreset_created"
        )

    @admin.action(description="Unlock sign-in (after too many failed tries)")
    def unlock_sign_in(self, request, queryset):
        usernames = [member.get_username() for member in queryset]
        cleared = services.member_sign_in_unlock(usernames=usernames)
        self.message_user(
            request,
            f"Unlocked sign-in for {', '.join(usernames)} "
            + ngettext("(%d failure record cleared).", "(%d failure records cleared).", cleared) % cleared,
            messages.SUCCESS,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The member's budget beside this month's spend, and any sign-in lockout, above the form."""
        member = self.get_object(request, object_id)
        month = selectors.month_containing()
        if member is not None:
            extra_context = {
                **(extra_context or {}),
                "budget": selectors.member_budget_status(member=member),
                "month_label": month.label,
                "spend": selectors.member_month_spend(member=member, month=month),
                "sign_in_failures": selectors.member_sign_in_failures(username=member.get_username()),
                "lockout_limit": settings.AXES_FAILURE_LIMIT,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        unlock = self.admin_site.admin_view(require_POST(self.unlock_view))
        return [path("<int:member_id>/unlock/", unlock, name="auth_user_unlock"), *super().get_urls()]

    def unlock_view(self, request, member_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        member = get_object_or_404(User, pk=member_id)
        self.unlock_sign_in(request, User.objects.filter(pk=member.pk))
        return redirect(reverse("admin:auth_user_change", args=[member.pk]))

    @admin.display(description="Monthly budget", ordering="budget__monthly_limit_usd")
    def budget_column(self, member) -> str:
        try:
            own = member.budget.monthly_limit_usd
        except MemberBudget.DoesNotExist:
            own = None
        if own is not None:
            return usd(own)
        default = selectors.team_default_limit()
        return "unlimited (team default)" if default is None else f"{usd(default)} (team default)"


# --- invites -----------------------------------------------------------------------------------------


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state_column", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    list_select_related = ["created_by", "used_by"]
    actions = ["revoke"]
    fields = ["note", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    readonly_fields = ["created_by", "created_at", "expires_at", "used_by", "used_at"]

    @admin.display(description="State")
    def state_column(self, invite: Invite) -> str:
        return invite.state()

    @admin.action(description="Revoke the selected open invites")
    def revoke(self, request, queryset):
        revoked = services.invites_revoke(invites=queryset)
        self.message_user(
            request, ngettext("Revoked %d open invite.", "Revoked %d open invites.", revoked) % revoked
        )

    def add_view(self, request, form_url="", extra_context=None):
        """“Add” creates an invite link and shows it this once: only its hash is kept."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteCreateForm(request.POST if request.method == "POST" else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Create an invite link",
            "form": form,
            "changelist_url": reverse("admin:team_invite_changelist"),
        }
        if form.is_bound and form.is_valid():
            invite, token = services.invite_create(created_by=request.user, note=form.cleaned_data["note"])
            link = request.build_absolute_uri(reverse("team:invite", args=[token]))
            return _show_once(
                request, kind="invite", pk=invite.pk, link=link, page="admin:team_invite_created"
            )
        return render(request, "admin/team/invite/create.html", context, status=422 if form.is_bound else 200)

    def get_urls(self):
        created = self.admin_site.admin_view(self.created_view)
        return [path("<int:pk>/created/", created, name="team_invite_created"), *super().get_urls()]

    def created_view(self, request, pk: int):
        if not self.has_add_permission(request):
            raise PermissionDenied
        invite = get_object_or_404(Invite, pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Invite link created",
            "invite": invite,
            "link": _take_shown(request, kind="invite", pk=invite.pk),
            "changelist_url": reverse("admin:team_invite_changelist"),
        }
        return _no_store(render(request, "admin/team/invite/created.html", context))


@admin.register(PasswordReset)
class PasswordResetAdmin(admin.ModelAdmin):
    """The reset links staff made (from Users → "Make a password-reset link"); revoke one that leaked."""

    list_display = ["member", "state_column", "created_by", "created_at", "expires_at", "used_at"]
    list_select_related = ["member", "created_by"]
    fields = ["member", "created_by", "created_at", "expires_at", "used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        created = self.admin_site.admin_view(self.created_view)
        return [path("<int:pk>/created/", created, name="team_passwordreset_created"), *super().get_urls()]

    def created_view(self, request, pk: int):
        if not self.admin_site.get_model_admin(User).has_change_permission(request):
            raise PermissionDenied
        reset = get_object_or_404(PasswordReset.objects.select_related("member"), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Password-reset link for {reset.member.get_username()}",
            "reset": reset,
            "link": _take_shown(request, kind="reset", pk=reset.pk),
            "changelist_url": reverse("admin:auth_user_changelist"),
        }
        return _no_store(render(request, "admin/team/passwordreset/created.html", context))

    @admin.display(description="State")
    def state_column(self, reset: PasswordReset) -> str:
        return reset.state()

    @admin.action(description="Revoke the selected open links")
    def revoke(self, request, queryset):
        revoked = services.password_resets_revoke(resets=queryset)
        self.message_user(
            request, ngettext("Revoked %d open link.", "Revoked %d open links.", revoked) % revoked
        )
