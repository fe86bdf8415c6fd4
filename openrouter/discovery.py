"""What OpenRouter says about its models and the API key: the payloads of GET /models and GET /key, read
leniently (a malformed field reads as unknown, never as a crash)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from openrouter.types import KeyInfo, ModelInfo, ModelPricing


def _price(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    # Routers list "-1" (price depends on the model chosen): unknown, not negative.
    return price if price.is_finite() and price >= 0 else None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def parse_model_info(raw: Mapping[str, Any]) -> ModelInfo | None:
    model_id = raw.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None
    architecture = raw.get("architecture") if isinstance(raw.get("architecture"), dict) else {}
    pricing = raw.get("pricing") if isinstance(raw.get("pricing"), dict) else {}
    context_length = raw.get("context_length")
    name = raw.get("name")
    description = raw.get("description")
    return ModelInfo(
        id=model_id,
        name=name if isinstance(name, str) and name else model_id,
        description=description if isinstance(description, str) else "",
        input_modalities=_strings(architecture.get("input_modalities")),
        output_modalities=_strings(architecture.get("output_modalities")),
        pricing=ModelPricing(
            prompt=_price(pricing.get("prompt")),
            completion=_price(pricing.get("completion")),
            image_output=_price(pricing.get("image_output")),
            request=_price(pricing.get("request")),
            image=_price(pricing.get("image")),
        ),
        context_length=context_length
        if isinstance(context_length, int) and not isinstance(context_length, bool)
        else None,
    )


def _money(value: object, default: Decimal | None = None) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return default
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return default
    return amount if amount.is_finite() else default


def parse_key_info(raw: Mapping[str, Any]) -> KeyInfo:
    zero = Decimal(0)
    label = raw.get("label")
    limit_reset = raw.get("limit_reset")
    return KeyInfo(
        label=label if isinstance(label, str) else "",
        limit=_money(raw.get("limit")),
        limit_remaining=_money(raw.get("limit_remaining")),
        limit_reset=limit_reset if isinstance(limit_reset, str) else None,
        usage=_money(raw.get("usage"), zero) or zero,
        usage_daily=_money(raw.get("usage_daily"), zero) or zero,
        usage_weekly=_money(raw.get("usage_weekly"), zero) or zero,
        usage_monthly=_money(raw.get("usage_monthly"), zero) or zero,
        is_free_tier=raw.get("is_free_tier") is True,
    )
