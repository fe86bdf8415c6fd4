"""What OpenRouter says about its models, generations and the API key: the payloads of GET /models,
GET /images/models, GET /images/models/{author}/{slug}/endpoints, GET /generation and GET /key, read
leniently (a malformed field reads as unknown, an unreadable entry is skipped with a log line, never a
crash)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from openrouter.capabilities import parse_capabilities, parse_pricing
from openrouter.errors import StreamProtocolError
from openrouter.types import (
    GenerationInfo,
    ImageEndpoint,
    ImageModelListing,
    KeyInfo,
    ModelInfo,
    ModelPricing,
)

logger = logging.getLogger("easel.openrouter")


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
        supported_parameters=_strings(raw.get("supported_parameters")),
    )


def _entries(payload: Mapping[str, Any], key: str, what: str) -> list[Any]:
    entries = payload.get(key)
    if not isinstance(entries, list):
        raise StreamProtocolError(f"OpenRouter's {what} has no “{key}” list.")
    return entries


def image_models_of(payload: Mapping[str, Any]) -> list[ModelInfo]:
    """The models of GET /models?output_modalities=image that really output images."""
    models = []
    for entry in _entries(payload, "data", "model list"):
        model = parse_model_info(entry) if isinstance(entry, dict) else None
        if model is None:
            logger.warning("Skipping a malformed entry in OpenRouter's model list")
        elif "image" in model.output_modalities:
            models.append(model)
    return models


def parse_image_model_listing(raw: Mapping[str, Any]) -> ImageModelListing | None:
    model_id = raw.get("id")
    if not isinstance(model_id, str) or "/" not in model_id:
        return None
    architecture = raw.get("architecture") if isinstance(raw.get("architecture"), dict) else {}
    name, description = raw.get("name"), raw.get("description")
    return ImageModelListing(
        id=model_id,
        name=name if isinstance(name, str) and name else model_id,
        description=description if isinstance(description, str) else "",
        input_modalities=_strings(architecture.get("input_modalities")),
        output_modalities=_strings(architecture.get("output_modalities")) or ("image",),
        parameters=parse_capabilities(raw.get("supported_parameters"), source=model_id),
        supports_streaming=raw.get("supports_streaming") is True,
    )


def image_model_listings_of(payload: Mapping[str, Any]) -> list[ImageModelListing]:
    """The models of GET /images/models."""
    listings = []
    for entry in _entries(payload, "data", "image model list"):
        listing = parse_image_model_listing(entry) if isinstance(entry, dict) else None
        if listing is None:
            logger.warning("Skipping a malformed entry in OpenRouter's image model list")
        else:
            listings.append(listing)
    return listings


def parse_image_endpoint(raw: Mapping[str, Any], *, model_id: str) -> ImageEndpoint | None:
    name, slug, tag = raw.get("provider_name"), raw.get("provider_slug"), raw.get("provider_tag")
    if not isinstance(slug, str) or not slug:
        return None
    source = f"{model_id} via {slug}"
    return ImageEndpoint(
        provider_name=name if isinstance(name, str) and name else slug,
        provider_slug=slug,
        provider_tag=tag if isinstance(tag, str) and tag else None,
        parameters=parse_capabilities(raw.get("supported_parameters"), source=source),
        supports_streaming=raw.get("supports_streaming") is True,
        pricing=parse_pricing(raw.get("pricing"), source=source),
        passthrough_parameters=_strings(raw.get("allowed_passthrough_parameters")),
    )


def image_endpoints_of(payload: Mapping[str, Any], *, model_id: str) -> list[ImageEndpoint]:
    """The providers of one Image API model (GET /images/models/{author}/{slug}/endpoints)."""
    endpoints = []
    for entry in _entries(payload, "endpoints", f"list of endpoints for {model_id}"):
        endpoint = parse_image_endpoint(entry, model_id=model_id) if isinstance(entry, dict) else None
        if endpoint is None:
            logger.warning("Skipping a malformed endpoint of %s in OpenRouter's answer", model_id)
        else:
            endpoints.append(endpoint)
    return endpoints


def parse_generation_info(raw: Mapping[str, Any]) -> GenerationInfo:
    generation_id, model, provider = raw.get("id"), raw.get("model"), raw.get("provider_name")
    return GenerationInfo(
        id=generation_id if isinstance(generation_id, str) else "",
        model=model if isinstance(model, str) and model else None,
        provider_name=provider if isinstance(provider, str) and provider else None,
        total_cost=_money(raw.get("total_cost")),
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
