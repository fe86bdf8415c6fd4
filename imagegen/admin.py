from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

import openrouter
from core.money import usd
from gallery.models import Image
from imagegen import admin_forms, capabilities, parameters, selectors
from imagegen.client import openrouter_client
from imagegen.model_sync import model_make_default, models_ensure_default, models_sync
from imagegen.models import Generation, ImageModel, error_kind_label


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
    "takes",
    "makes",
    "synced_at",
    "last_seen_upstream",
]


@admin.register(ImageModel)
class ImageModelAdmin(admin.ModelAdmin):
    form = admin_forms.ImageModelForm
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
    ]
    change_list_template = "admin/imagegen/imagemodel/change_list.html"

    def get_fieldsets(self, request, obj=None):
        override = (
            "Admin override (a sync never changes it; ticks and a price, marked “override” wherever they apply)",
            {"fields": admin_forms.override_fields(obj)},
        )
        return [*self.fieldsets, override]

    def get_changelist_form(self, request, **kwargs):
        return admin_forms.ImageModelRowForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The override's checkboxes are made per model by the form itself, not from the model's fields.
        kwargs["fields"] = [*admin_forms.ImageModelForm.Meta.fields, admin_forms.PRICE_FIELD]
        return super().get_form(request, obj, change, **kwargs)

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

    @admin.display(description="Takes")
    def takes(self, model: ImageModel) -> str:
        return ", ".join(model.input_modalities) or "—"

    @admin.display(description="Makes")
    def makes(self, model: ImageModel) -> str:
        return ", ".join(model.output_modalities) or "—"

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


class ErrorKindFilter(admin.SimpleListFilter):
    """The kinds of failure that happened, in words (no empty choice for generations without one)."""

    title = "error kind"
    parameter_name = "error_kind__exact"  # the error breakdown links here with this parameter

    def lookups(self, request, model_admin):
        kinds = (
            Generation.objects.exclude(error_kind="")
            .order_by("error_kind")
            .values_list("error_kind", flat=True)
        )
        return [(kind, error_kind_label(kind)) for kind in kinds.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(error_kind=self.value()) if self.value() else queryset


PROMPT_SHOWN = 60  # characters of the prompt in the log's column; the whole prompt is its tooltip


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    """Every generation, read-only (a record of what was asked and charged): filters, prompt search, cost
    and latency, totals and an error breakdown. Its columns fit a 1440-pixel screen beside the filters."""

    list_display = [
        "created_at",
        "thumbnail",
        "prompt_start",
        "member",
        "model_name",
        "status_column",
        "images",
        "cost",
        "latency",
    ]
    list_display_links = ["created_at"]
    list_filter = ["status", "model", "member", "created_at", ErrorKindFilter]
    search_fields = ["prompt"]
    date_hierarchy = "created_at"
    list_select_related = ["member", "model"]

    def get_queryset(self, request):
        shown = Image.objects.filter(trashed_at__isnull=True).order_by("pk")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("images", queryset=shown, to_attr="shown_images"))
        )

    def get_readonly_fields(self, request, obj=None):
        return [*(field.name for field in Generation._meta.fields), "references_table"]

    @admin.display(description="References")
    def references_table(self, generation: Generation):
        """The reference images sent with it (a plain table: Django's inline leaves header cells empty)."""
        references = generation.references.order_by("position")
        if not references:
            return "none"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}×{}</td><td>{}</td></tr>",
            (
                (r.position + 1, r.file_name, r.mime_type, r.width, r.height, filesizeformat(r.byte_size))
                for r in references
            ),
        )
        head = format_html_join(
            "", '<th scope="col">{}</th>', ((name,) for name in ("#", "File", "Type", "Size", "Bytes"))
        )
        table = '<table class="generation-references"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
        return format_html(table, head, rows)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Image")
    def thumbnail(self, generation: Generation):
        images = getattr(generation, "shown_images", [])
        if not images:
            return format_html('<span class="generation-thumb generation-thumb-none">{}</span>', "none")
        return format_html(
            '<img class="generation-thumb" src="{}" alt="" width="48" height="48" loading="lazy">',
            reverse("gallery:image_file", args=[images[0].pk, "thumbnail"]),
        )

    @admin.display(description="Prompt", ordering="prompt")
    def prompt_start(self, generation: Generation):
        shown = Truncator(generation.prompt).chars(PROMPT_SHOWN)
        return format_html('<span class="generation-prompt" title="{}">{}</span>', generation.prompt, shown)

    @admin.display(description="Model", ordering="model__name")
    def model_name(self, generation: Generation) -> str:
        return generation.model.name

    @admin.display(description="Status", ordering="status")
    def status_column(self, generation: Generation) -> str:
        status = generation.get_status_display()
        return f"{status}: {error_kind_label(generation.error_kind)}" if generation.error_kind else status

    @admin.display(description="Images")
    def images(self, generation: Generation) -> str:
        return f"{len(getattr(generation, 'shown_images', []))} of {generation.count}"

    @admin.display(description="Cost", ordering="cost_usd")
    def cost(self, generation: Generation) -> str:
        if generation.cost_usd is not None:
            return usd(generation.cost_usd, price=True)
        return f"{usd(generation.reserved_usd, price=True)} reserved" if generation.reserved_usd else ""

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
