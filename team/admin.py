"""Admin for team controls: members with their budgets, invites, and the generation log."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse

from core.money import usd
from imagegen.models import Generation, GenerationReference
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


# --- the generation log ------------------------------------------------------------------------------


class GenerationReferenceInline(admin.TabularInline):
    model = GenerationReference
    extra = 0
    can_delete = False
    fields = ["position", "file_name", "mime_type", "width", "height", "byte_size", "source_image"]
    readonly_fields = fields


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    """Every generation, read-only: filters, prompt search, cost and latency, totals and an error breakdown."""

    list_display = [
        "id",
        "created_at",
        "member",
        "model",
        "status",
        "error_kind",
        "count",
        "cost",
        "reserved",
        "latency",
    ]
    list_filter = ["status", "model", "member", "created_at", "error_kind"]
    search_fields = ["prompt"]
    date_hierarchy = "created_at"
    list_select_related = ["member", "model"]
    inlines = [GenerationReferenceInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Generation._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Cost", ordering="cost_usd")
    def cost(self, generation: Generation) -> str:
        return "" if generation.cost_usd is None else usd(generation.cost_usd)

    @admin.display(description="Reserved", ordering="reserved_usd")
    def reserved(self, generation: Generation) -> str:
        return usd(generation.reserved_usd) if generation.reserved_usd else ""

    @admin.display(description="Latency (s)")
    def latency(self, generation: Generation) -> str:
        seconds = generation.latency_seconds
        return "" if seconds is None else f"{seconds:.1f}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # not a redirect after an action or a bad filter
            response.context_data["totals"] = selectors.generation_totals(generations=changelist.queryset)
        return response

    def get_urls(self):
        errors = self.admin_site.admin_view(self.error_breakdown_view)
        return [path("errors/", errors, name="imagegen_generation_errors"), *super().get_urls()]

    def error_breakdown_view(self, request):
        """Failures counted by error kind and model, for the same filters as the changelist."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, "Those filters are not valid; showing every generation.")
            changelist = None
        generations = changelist.queryset if changelist else Generation.objects.all()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Errors by kind and model",
            "breakdown": selectors.error_breakdown(generations=generations),
            "query_string": changelist.get_query_string() if changelist else "",
            "filtered": bool(changelist and changelist.has_active_filters) or bool(request.GET.get("q")),
            "changelist_url": reverse("admin:imagegen_generation_changelist"),
        }
        return render(request, "admin/imagegen/generation/error_breakdown.html", context)
