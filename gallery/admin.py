from django.contrib import admin

from gallery.models import Collection, CollectionItem, Favourite, Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Read-mostly: images come from generations, and leave through the trash (so files are cleaned up)."""

    list_display = ["id", "prompt_start", "owner", "model_slug", "created_at", "trashed_at"]
    list_filter = ["model_slug", "aspect_ratio", ("trashed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["owner"]
    raw_id_fields = ["owner", "generation"]
    readonly_fields = [field.name for field in Image._meta.fields if field.name not in ("prompt",)]
    show_full_result_count = False  # COUNT(*) over 100k rows on every change-list page is wasted work
    date_hierarchy = "created_at"

    @admin.display(description="prompt")
    def prompt_start(self, image: Image) -> str:
        return image.prompt[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a row here would leave its files behind: use the gallery's trash instead.
        return False


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    raw_id_fields = ["image"]
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "created_at", "updated_at"]
    raw_id_fields = ["owner"]
    inlines = [CollectionItemInline]


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ["member", "image", "created_at"]
    raw_id_fields = ["member", "image"]
