from django.contrib import admin

from compare.models import Board, BoardCell


class BoardCellInline(admin.TabularInline):
    model = BoardCell
    extra = 0
    can_delete = False
    fields = ["position", "model", "generation", "ignored", "is_best"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    """Boards as members made them, to look at: a board is made on the Compare page, its best picked there."""

    list_display = ["__str__", "member", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["prompt", "member__username"]
    readonly_fields = ["member", "prompt", "aspect_ratio", "image_size", "seed", "rerun_of", "created_at"]
    exclude = ["submission_key"]
    inlines = [BoardCellInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)
