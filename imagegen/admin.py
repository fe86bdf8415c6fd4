from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

import openrouter
from core.money import usd
from imagegen import capabilities, parameters, selectors
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
            "parameters_override",
            "pricing_override",
            "missing_upstream",
        ]

    def clean_parameters_override(self):
        try:
            return capabilities.checked_parameters_override(self.cleaned_data["parameters_override"])
        except capabilities.OverrideError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_pricing_override(self):
        try:
            return capabilities.checked_pricing_override(self.cleaned_data["pricing_override"])
        except capabilities.OverrideError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default") and not cleaned.get("enabled"):
            self.add_error("is_default", "The default model must be enabled.")
        return cleaned


def _descriptor_words(capability: openrouter.Capability) -> str:
    if isinstance(capability, openrouter.EnumCapability):
        return "one of " + ", ".join(capability.values)
    if isinstance(capability, openrouter.RangeCapability):
        return f"{capability.minimum:g} to {capability.maximum:g}"
    return "yes"


def _descriptor_table(descriptors: dict, overridden: frozenset = frozenset()) -> str:
    if not descriptors:
        return format_html('<span class="quiet">{}</span>', "nothing described")
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}{}</td></tr>',
        (
            (name, _descriptor_words(capability), " — override" if name in overridden else "")
            for name, capability in descriptors.items()
        ),
    )
    return format_html("<table>{}</table>", rows)


DISCOVERED = [
    "api",
    "offered",
    "providers_table",
    "prices",
    "supports_streaming",
    "input_modalities",
    "output_modalities",
    "synced_at",
    "last_seen_upstream",
]


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
        "api",
        "override_column",
        "upstream_status",
    ]
    list_editable = ["enabled", "sort_order"]
    list_filter = ["enabled", "api", "missing_upstream"]
    search_fields = ["name", "openrouter_id"]
    actions = ["enable_models", "disable_models", "make_default"]
    # What the sync keeps, shown read-only; `missing_upstream` stays editable (an admin may hide a model).
    readonly_fields = [*DISCOVERED, "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["openrouter_id", "name", "description", "enabled", "is_default", "sort_order"]}),
        (
            "What OpenRouter says (read-only, kept by “Sync from OpenRouter”)",
            {"fields": [*DISCOVERED, "missing_upstream"]},
        ),
        ("Admin override (a sync never changes it)", {"fields": ["parameters_override", "pricing_override"]}),
    ]
    change_list_template = "admin/imagegen/imagemodel/change_list.html"

    @admin.display(description="Prices")
    def price_column(self, model: ImageModel) -> str:
        offer = model.offer()
        summary = parameters.pricing_summary(offer)
        return f"{summary} (override)" if offer.pricing_overridden else summary

    @admin.display(description="Override")
    def override_column(self, model: ImageModel) -> str:
        marked = [label for label, value in (("descriptors", model.parameters_override),
                                             ("prices", model.pricing_override)) if value]  # fmt: skip
        return ", ".join(marked) or "—"

    @admin.display(description="Offers (after any override)")
    def offered(self, model: ImageModel):
        offer = model.offer()
        return _descriptor_table(offer.parameters, offer.overridden_parameters)

    @admin.display(description="Providers")
    def providers_table(self, model: ImageModel):
        providers = model.offer().providers
        if not providers:
            return format_html('<span class="quiet">{}</span>', "none listed (chat completions)")
        return format_html_join(
            "",
            "<p><strong>{}</strong> ({}){}</p>{}",
            (
                (p.name, p.slug, ", streams" if p.supports_streaming else "", _descriptor_table(p.parameters))
                for p in providers
            ),
        )

    @admin.display(description="Pricing lines")
    def prices(self, model: ImageModel) -> str:
        discovered = parameters.pricing_summary(
            capabilities.model_offer(
                parameters={}, providers=model.providers, pricing=model.pricing,
                parameters_override=None, pricing_override=None,
            )
        )  # fmt: skip
        if model.pricing_override:
            return f"{parameters.pricing_summary(model.offer())} (override); OpenRouter says: {discovered}"
        return discovered

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
        self.message_user(request, ngettext("Enabled %d model.", "Enabled %d models.", count) % count)

    @admin.action(description="Disable selected models")
    def disable_models(self, request, queryset):
        count = queryset.update(enabled=False)
        models_ensure_default()
        self.message_user(request, ngettext("Disabled %d model.", "Disabled %d models.", count) % count)

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
        return "" if generation.cost_usd is None else usd(generation.cost_usd, price=True)

    @admin.display(description="Reserved", ordering="reserved_usd")
    def reserved(self, generation: Generation) -> str:
        return usd(generation.reserved_usd, price=True) if generation.reserved_usd else ""

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
