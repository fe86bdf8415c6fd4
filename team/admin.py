"""Admin for team controls: members with their budgets, and invites. (The generation log is imagegen's.)"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from core.money import usd
from team import selectors, services
from team.forms import InviteCreateForm
from team.models import Invite, MemberBudget

User = get_user_model()


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
    list_display = ["username", "email", "is_staff", "is_active", "budget_column", "last_login"]
    list_select_related = ["budget"]

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
        self.message_user(request, f"Revoked {revoked} open invite{'s' if revoked != 1 else ''}.")

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
            context.update(
                title="Invite link created",
                invite=invite,
                link=request.build_absolute_uri(reverse("team:invite", args=[token])),
            )
            return render(request, "admin/team/invite/created.html", context)
        return render(request, "admin/team/invite/create.html", context, status=422 if form.is_bound else 200)
