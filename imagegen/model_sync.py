"""The model allowlist: keeping ImageModel rows in step with what OpenRouter says about its image models.

The Image API's list (GET /images/models) and each model's providers (GET .../endpoints) give the typed
descriptors, streaming and pricing lines; GET /models?output_modalities=image adds the models only chat
completions serve, with their per-token prices. What the sync writes is OpenRouter's; an admin's
override lives in fields of its own and is never touched here.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

import openrouter
from imagegen import capabilities, parameters
from imagegen.models import Generation, ImageModel

logger = logging.getLogger("easel.models")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    chat_only: list[str] = field(default_factory=list)
    # (model, OpenRouter's message) for each model whose providers could not be read.
    endpoint_failures: list[tuple[str, str]] = field(default_factory=list)
    # (model, what changed) for prices and for what a model no longer offers.
    price_changes: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    seen: int = 0

    def lines(self) -> list[str]:
        lines = [
            ngettext("OpenRouter lists %d image model.", "OpenRouter lists %d image models.", self.seen)
            % self.seen
        ]
        if self.created:
            lines.append(f"New (disabled unless enabled): {', '.join(self.created)}")
        if self.enabled:
            lines.append(f"Enabled: {', '.join(self.enabled)}")
        if self.chat_only:
            lines.append(
                f"Served by chat completions only (no descriptors: set an override to offer more): "
                f"{', '.join(self.chat_only)}"
            )
        for model_id, message in self.endpoint_failures:
            lines.append(f"Could not read the providers of {model_id} ({message}): it keeps what it had.")
        lines += [f"Prices of {model_id}: {change}" for model_id, change in self.price_changes]
        lines += [f"{model_id} {change}" for model_id, change in self.removed]
        if self.missing:
            lines.append(f"No longer listed (cannot be chosen): {', '.join(self.missing)}")
        if self.returned:
            lines.append(f"Listed again: {', '.join(self.returned)}")
        return lines


@dataclass
class _Upstream:
    """Everything OpenRouter said about one model."""

    id: str
    name: str
    description: str
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    context_length: int | None = None
    listing: openrouter.ImageModelListing | None = None
    endpoints: list[openrouter.ImageEndpoint] | None = None
    chat: openrouter.ModelInfo | None = None


def _read_upstream(client: openrouter.OpenRouterClient, report: SyncReport) -> list[_Upstream]:
    """Both lists and every Image API model's providers; a failed providers call is reported, not fatal."""
    chat = {info.id: info for info in client.list_image_models()}
    models: dict[str, _Upstream] = {}
    for listing in client.list_image_api_models():
        info = chat.get(listing.id)
        upstream = _Upstream(
            id=listing.id,
            name=info.name if info else listing.name,
            description=listing.description or (info.description if info else ""),
            input_modalities=info.input_modalities if info else listing.input_modalities,
            output_modalities=info.output_modalities if info else listing.output_modalities,
            context_length=info.context_length if info else None,
            listing=listing,
            chat=info,
        )
        try:
            upstream.endpoints = client.image_model_endpoints(listing.id)
        except openrouter.OpenRouterError as error:
            logger.warning("Could not read the providers of %s: %s", listing.id, error.message)
            report.endpoint_failures.append((listing.id, error.message))
        models[listing.id] = upstream
    for info in chat.values():
        if info.id not in models:
            models[info.id] = _Upstream(
                id=info.id,
                name=info.name,
                description=info.description,
                input_modalities=info.input_modalities,
                output_modalities=info.output_modalities,
                context_length=info.context_length,
                chat=info,
            )
            report.chat_only.append(info.id)
    return list(models.values())


def models_sync(
    *, client: openrouter.OpenRouterClient, enable: Iterable[str] = (), enable_all: bool = False
) -> SyncReport:
    """Create or update models from what OpenRouter says about them.

    New models arrive disabled unless named in `enable` (or `enable_all`); models no longer listed are
    flagged missing. The key and both lists are read before anything is written, so a failed sync (bad
    key, network) raises an OpenRouterError and changes nothing; a model whose providers cannot be read
    keeps its previous capabilities, and the report says so.
    """
    # The model lists are public; asking for the key's details first is what tells a bad key apart.
    client.key_info()
    report = SyncReport()
    upstream = _read_upstream(client, report)
    to_enable = set(enable)
    unknown = to_enable - {model.id for model in upstream}
    if unknown:
        raise ValueError(f"OpenRouter does not list these image models: {', '.join(sorted(unknown))}")
    now = timezone.now()
    report.seen = len(upstream)
    with transaction.atomic():
        for order, model in enumerate(upstream):
            _sync_one(model, enable=enable_all or model.id in to_enable, order=order, now=now, report=report)
        listed = [model.id for model in upstream]
        gone = ImageModel.objects.exclude(openrouter_id__in=listed).filter(missing_upstream=False)
        report.missing = sorted(gone.values_list("openrouter_id", flat=True))
        gone.update(missing_upstream=True, is_default=False)
        models_ensure_default()
    return report


def _sync_one(upstream: _Upstream, *, enable: bool, order: int, now, report: SyncReport) -> None:
    model = ImageModel.objects.filter(openrouter_id=upstream.id).first()
    if model is None:
        model = ImageModel(openrouter_id=upstream.id, sort_order=100 + order, enabled=enable)
        report.created.append(upstream.id)
    else:
        if model.missing_upstream:
            report.returned.append(upstream.id)
        if enable and not model.enabled:
            model.enabled = True
    if enable:
        report.enabled.append(upstream.id)
    model.name = upstream.name or upstream.id
    model.description = upstream.description
    model.input_modalities = list(upstream.input_modalities)
    model.output_modalities = list(upstream.output_modalities)
    model.context_length = upstream.context_length
    model.last_seen_upstream = now
    model.missing_upstream = False
    if upstream.listing is None or upstream.endpoints is not None or model.pk is None:
        _take_capabilities(model, upstream, now=now, report=report)
    model.save()


def _take_capabilities(model: ImageModel, upstream: _Upstream, *, now, report: SyncReport) -> None:
    """What the model accepts and costs, from OpenRouter; changes that matter go in the report."""
    before = model.offer() if model.pk else None
    if upstream.listing is not None:
        endpoints = upstream.endpoints or []
        model.api = ImageModel.Api.IMAGES
        merged = openrouter.merge_capabilities(*(endpoint.parameters for endpoint in endpoints))
        # No providers read (a new model whose endpoints call failed): the list's coarse union.
        model.parameters = openrouter.capabilities_json(merged if endpoints else upstream.listing.parameters)
        model.providers = [capabilities.provider_json(endpoint) for endpoint in endpoints]
        model.pricing = []
        model.supports_streaming = any(e.supports_streaming for e in endpoints) or (
            not endpoints and upstream.listing.supports_streaming
        )
    else:
        chat = upstream.chat
        assert chat is not None
        model.api = ImageModel.Api.CHAT
        model.parameters = {"seed": {"type": "boolean"}} if "seed" in chat.supported_parameters else {}
        model.providers = []
        model.pricing = capabilities.chat_pricing_json(chat.pricing)
        model.supports_streaming = False
    model.synced_at = now
    model._offer = None
    if before is not None:
        _report_changes(model, before, model.offer(), report)


def _report_changes(model: ImageModel, before, after, report: SyncReport) -> None:
    old_prices = [[line.to_json() for line in lines] for lines in before.price_sets]
    new_prices = [[line.to_json() for line in lines] for lines in after.price_sets]
    if old_prices != new_prices and not after.pricing_overridden:
        report.price_changes.append(
            (
                model.openrouter_id,
                f"{parameters.pricing_summary(before)} → {parameters.pricing_summary(after)}",
            )
        )
    for name, capability in before.parameters.items():
        removed = parameters.values_no_longer_offered(capability, after.parameters.get(name))
        if not removed:
            continue
        used = _uses(model, name, removed)
        label = parameters.label_of(name)
        shown = ", ".join(removed) if removed != ["*"] else "anything"
        note = f" (used in {used} generation{'s' if used != 1 else ''}; remixes of them fall back visibly)"
        report.removed.append(
            (model.openrouter_id, f"no longer offers {label} {shown}{note if used else ''}.")
        )


def _uses(model: ImageModel, name: str, values: list[str]) -> int:
    """How many of the model's generations used one of `values` for a parameter (any value: "*")."""
    generations = Generation.objects.filter(model=model)
    column = {"aspect_ratio": "aspect_ratio", "resolution": "image_size"}.get(name)
    if column:
        used = Counter(generations.exclude(**{column: ""}).values_list(column, flat=True))
    else:
        used = Counter(
            str(chosen[name])
            for chosen in generations.values_list("parameters", flat=True)
            if isinstance(chosen, dict) and chosen.get(name) not in (None, "")
        )
    return sum(count for value, count in used.items() if value in values or values == ["*"])


def model_make_default(*, model: ImageModel) -> None:
    if not model.selectable:
        raise ValueError(f"{model.name} must be enabled (and listed by OpenRouter) to be the default.")
    with transaction.atomic():
        ImageModel.objects.filter(is_default=True).exclude(pk=model.pk).update(is_default=False)
        ImageModel.objects.filter(pk=model.pk).update(is_default=True)


def models_ensure_default() -> None:
    """Exactly one enabled model is the default whenever any is enabled."""
    with transaction.atomic():
        ImageModel.objects.filter(is_default=True).filter(enabled=False).update(is_default=False)
        ImageModel.objects.filter(is_default=True, missing_upstream=True).update(is_default=False)
        if ImageModel.objects.filter(is_default=True).exists():
            return
        first = (
            ImageModel.objects.filter(enabled=True, missing_upstream=False)
            .order_by("sort_order", "name")
            .first()
        )
        if first:
            ImageModel.objects.filter(pk=first.pk).update(is_default=True)
