from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

import openrouter
from core import aspect_ratios
from core.money import usd
from imagegen import selectors
from imagegen.client import openrouter_client
from imagegen.model_sync import model_make_default, models_ensure_default, models_sync
from imagegen.models import Generation, GenerationReference, ImageModel


class ImageModelForm(forms.ModelForm):
    class Meta:
        model = ImageModel
        fields = [
            "openrouter_id",
            "name",
            "description",
            "enabled",
            "is_default",
            "sort_order",
            "aspect_ratios",
            "image_sizes",
            "input_modalities",
            "output_modalities",
            "context_length",
            "price_per_image",
            "price_prompt",
            "price_completion",
            "price_image_output",
            "price_request",
            "missing_upstream",
        ]

    def clean_aspect_ratios(self):
        ratios = self.cleaned_data["aspect_ratios"] or []
        unknown = [ratio for ratio in ratios if ratio not in aspect_ratios.ASPECT_RATIO_PIXELS]
        if unknown:
            known = ", ".join(aspect_ratios.ASPECT_RATIO_PIXELS)
            raise forms.ValidationError(f"Unknown aspect ratios {unknown}: use some of {known}.")
        if not ratios:
            raise forms.ValidationError("Give at least one aspect ratio.")
        return ratios

    def clean_image_sizes(self):
        sizes = self.cleaned_data["image_sizes"] or []
        unknown = [size for size in sizes if size not in aspect_ratios.IMAGE_SIZE_FACTORS]
        if unknown or not sizes:
            raise forms.ValidationError(f"Use one or more of {', '.join(aspect_ratios.IMAGE_SIZES)}.")
        return sizes

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default") and not cleaned.get("enabled"):
            self.add_error("is_default", "The default model must be enabled.")
        return cleaned


@admin.register(ImageModel)
class ImageModelAdmin(admin.ModelAdmin):
    form = ImageModelForm
    list_display = [
        "name",
        "openrouter_id",
        "enabled",
        "is_default",
        "sort_order",
        "price_column",
        "outputs",
        "upstream_status",
    ]
    list_editable = ["enabled", "sort_order"]
    list_filter = ["enabled", "missing_upstream"]
    search_fields = ["name", "openrouter_id"]
    actions = ["enable_models", "disable_models", "make_default"]
    readonly_fields = [
        "previous_price_per_image",
        "price_changed_at",
        "last_seen_upstream",
        "created_at",
        "updated_at",
    ]
    change_list_template = "admin/imagegen/imagemodel/change_list.html"

    @admin.display(description="USD per image", ordering="price_per_image")
    def price_column(self, model: ImageModel) -> str:
        if model.price_per_image is None:
            return "unknown"
        if (
            model.previous_price_per_image is not None
            and model.previous_price_per_image != model.price_per_image
        ):
            return f"${model.previous_price_per_image:.4f} → ${model.price_per_image:.4f}"
        return f"${model.price_per_image:.4f}"

    @admin.display(description="Outputs")
    def outputs(self, model: ImageModel) -> str:
        return " + ".join(model.output_modalities) or "?"

    @admin.display(description="On OpenRouter", ordering="missing_upstream")
    def upstream_status(self, model: ImageModel) -> str:
        if model.missing_upstream:
            return format_html('<strong class="errornote">missing</strong>')
        return "listed" if model.last_seen_upstream else "added by hand"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_default:
            model_make_default(model=obj)
        models_ensure_default()

    @admin.action(description="Enable selected models")
    def enable_models(self, request, queryset):
        count = queryset.filter(missing_upstream=False).update(enabled=True)
        models_ensure_default()
        self.message_user(request, f"Enabled {count} models.")

    @admin.action(description="Disable selected models")
    def disable_models(self, request, queryset):
        count = queryset.update(enabled=False)
        models_ensure_default()
        self.message_user(request, f"Disabled {count} models.")

    @admin.action(description="Make the selected model the default")
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to make it the default.", messages.ERROR)
            return
        try:
            model_make_default(model=queryset.get())
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)

    def get_urls(self):
        sync = self.admin_site.admin_view(require_POST(self.sync_view))
        return [path("sync/", sync, name="imagegen_imagemodel_sync"), *super().get_urls()]

    def sync_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        try:
            report = models_sync(client=openrouter_client())
        except openrouter.OpenRouterError as error:
            self.message_user(request, f"Sync failed, nothing was changed: {error.message}", messages.ERROR)
        else:
            for line in report.lines():
                self.message_user(request, line, messages.SUCCESS)
        return redirect(reverse("admin:imagegen_imagemodel_changelist"))


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
