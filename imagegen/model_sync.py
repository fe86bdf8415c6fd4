"""The model allowlist: keeping ImageModel rows in step with OpenRouter's list of image models."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

import openrouter
from imagegen import catalog
from imagegen.models import ImageModel


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    price_changes: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    seen: int = 0

    def lines(self) -> list[str]:
        lines = [f"OpenRouter lists {self.seen} image models."]
        if self.created:
            lines.append(f"New (disabled unless enabled): {', '.join(self.created)}")
        if self.enabled:
            lines.append(f"Enabled: {', '.join(self.enabled)}")
        for model_id, old, new in self.price_changes:
            lines.append(f"Price per image of {model_id}: {_money(old)} → {_money(new)}")
        if self.missing:
            lines.append(f"No longer listed (cannot be chosen): {', '.join(self.missing)}")
        if self.returned:
            lines.append(f"Listed again: {', '.join(self.returned)}")
        return lines


def _money(value: Decimal | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def models_sync(
    *, client: openrouter.OpenRouterClient, enable: Iterable[str] = (), enable_all: bool = False
) -> SyncReport:
    """Create or update models from `/models?output_modalities=image`.

    New models arrive disabled unless named in `enable` (or `enable_all`); models no longer listed are
    flagged missing. The key and the list are checked before anything is written, so a failed sync
    (bad key, network) raises an OpenRouterError and changes nothing.
    """
    # The model list is public; asking for the key's details first is what tells a bad key apart.
    client.key_info()
    infos = [info for info in client.list_image_models() if "image" in info.output_modalities]
    to_enable = set(enable)
    unknown = to_enable - {info.id for info in infos}
    if unknown:
        raise ValueError(f"OpenRouter does not list these image models: {', '.join(sorted(unknown))}")
    now = timezone.now()
    report = SyncReport(seen=len(infos))
    with transaction.atomic():
        for order, info in enumerate(infos):
            _sync_one(info, enable=enable_all or info.id in to_enable, order=order, now=now, report=report)
        listed = [info.id for info in infos]
        gone = ImageModel.objects.exclude(openrouter_id__in=listed).filter(missing_upstream=False)
        report.missing = sorted(gone.values_list("openrouter_id", flat=True))
        gone.update(missing_upstream=True, is_default=False)
        models_ensure_default()
    return report


def _sync_one(info: openrouter.ModelInfo, *, enable: bool, order: int, now, report: SyncReport) -> None:
    price = catalog.estimated_price_per_image(
        image_output=info.pricing.image_output, request=info.pricing.request
    )
    model = ImageModel.objects.filter(openrouter_id=info.id).first()
    if model is None:
        model = ImageModel(
            openrouter_id=info.id,
            aspect_ratios=catalog.default_aspect_ratios_for_new(),
            image_sizes=catalog.default_image_sizes(info.id),
            sort_order=100 + order,
            enabled=enable,
            price_per_image=price,
        )
        report.created.append(info.id)
    else:
        if model.price_per_image != price:
            report.price_changes.append((info.id, model.price_per_image, price))
            model.previous_price_per_image = model.price_per_image
            model.price_per_image = price
            model.price_changed_at = now
        if model.missing_upstream:
            report.returned.append(info.id)
        if enable and not model.enabled:
            model.enabled = True
    if enable:
        report.enabled.append(info.id)
    model.name = info.name or info.id
    model.description = info.description
    model.input_modalities = list(info.input_modalities)
    model.output_modalities = list(info.output_modalities)
    model.context_length = info.context_length
    model.price_prompt = info.pricing.prompt
    model.price_completion = info.pricing.completion
    model.price_image_output = info.pricing.image_output
    model.price_request = info.pricing.request
    model.last_seen_upstream = now
    model.missing_upstream = False
    model.save()


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
