from django.contrib import admin, messages
from django.utils.translation import ngettext

from sharing import services
from sharing.models import RateLimitCounter, ShareLink, ShareVisit


class ShareVisitInline(admin.TabularInline):
    model = ShareVisit
    extra = 0
    can_delete = False
    readonly_fields = ["visited_at", "network", "user_agent"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "created_by", "created_at", "expires_at", "revoked_at", "view_count"]
    list_filter = ["kind", "allow_download", "show_details", "show_cost"]
    search_fields = ["label", "created_by__username"]
    # The token can't be shown (only its hash is stored) and links are made from the gallery, not here.
    readonly_fields = [
        "kind",
        "image",
        "collection",
        "board",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_reason",
        "view_count",
        "last_viewed_at",
    ]
    exclude = ["token_hash", "password_hash"]
    inlines = [ShareVisitInline]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected links")
    def revoke_selected(self, request, queryset):
        revoked = sum(
            services.link_revoke(link=link, reason=f"Revoked by {request.user.get_username()} (admin)")
            for link in queryset
        )
        self.message_user(
            request, ngettext("Revoked %d link.", "Revoked %d links.", revoked) % revoked, messages.SUCCESS
        )


@admin.register(RateLimitCounter)
class RateLimitCounterAdmin(admin.ModelAdmin):
    """Deleting a counter lifts that block at once, e.g. for an office behind one address. Plumbing, so
    not on the admin index: reached from Share links → "Rate-limit blocks"."""

    list_display = ["scope", "key", "count", "window_start"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "count", "window_start"]

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return False
