"""What a model on the allowlist accepts and what it costs, read from what the sync stored (OpenRouter's
descriptors and pricing lines, as JSON in their wire shape), with an admin's override applied on top.

An override is kept apart from what OpenRouter said, so a sync never overwrites it and every page can
say where a value came from: `parameters_override` maps a parameter to a descriptor (or to null, which
takes the parameter away); `pricing_override` replaces the pricing lines of every provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import openrouter

# Where a chat model's prices (GET /models, USD per unit as strings) go as pricing lines. OpenRouter's
# usage shows `image_output` billed per image token (1290 tokens × $0.00003 = $0.0387 for Gemini 2.5
# Flash Image), and every token price is known only at completion: see imagegen.pricing.
CHAT_PRICES = {
    "prompt": ("input_text", "token"),
    "completion": ("output_text", "token"),
    "image_output": ("output_image", "token"),
    "image_token": ("output_image", "token"),
    "image": ("input_image", "image"),
    "request": ("request", "request"),
}


@dataclass(frozen=True)
class Provider:
    """One provider of an Image API model, as the sync stored it."""

    name: str
    slug: str
    parameters: openrouter.Capabilities
    supports_streaming: bool
    pricing: tuple[openrouter.PricingLine, ...]

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Provider:
        slug = str(raw.get("slug") or "")
        return cls(
            name=str(raw.get("name") or slug),
            slug=slug,
            parameters=openrouter.parse_capabilities(raw.get("parameters"), source=slug),
            supports_streaming=raw.get("supports_streaming") is True,
            pricing=openrouter.parse_pricing(raw.get("pricing"), source=slug),
        )


def provider_json(endpoint: openrouter.ImageEndpoint) -> dict[str, Any]:
    return {
        "name": endpoint.provider_name,
        "slug": endpoint.provider_slug,
        "tag": endpoint.provider_tag,
        "parameters": openrouter.capabilities_json(endpoint.parameters),
        "supports_streaming": endpoint.supports_streaming,
        "pricing": openrouter.pricing_json(endpoint.pricing),
    }


def chat_pricing_json(pricing: openrouter.ModelPricing) -> list[dict[str, Any]]:
    """A chat model's /models prices as pricing lines (a price of zero bills nothing, so is left out)."""
    lines = []
    for key, (billable, unit) in CHAT_PRICES.items():
        price = getattr(pricing, key, None)
        if price:
            lines.append(openrouter.PricingLine(billable, unit, price).to_json())
    return lines


class OverrideError(ValueError):
    """An admin's override that cannot be used as it is (the message says why)."""


def checked_parameters_override(raw: object) -> dict[str, Any] | None:
    """The override as stored, or OverrideError: every entry must read as a descriptor, or be null."""
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, dict):
        raise OverrideError('Give an object such as {"aspect_ratio": {"type": "enum", "values": ["1:1"]}}.')
    for name, descriptor in raw.items():
        if descriptor is not None and not openrouter.parse_capabilities(
            {name: descriptor}, source="the override"
        ):
            raise OverrideError(
                f'{name}: not a descriptor. Use {{"type": "enum", "values": [...]}}, '
                '{"type": "range", "min": 1, "max": 4}, {"type": "boolean"}, or null to take it away.'
            )
    return raw


def checked_pricing_override(raw: object) -> list[dict[str, Any]] | None:
    if raw in (None, [], ""):
        return None
    if not isinstance(raw, list) or len(openrouter.parse_pricing(raw, source="the override")) != len(raw):
        raise OverrideError(
            'Give a list of lines such as [{"billable": "output_image", "unit": "image", "cost_usd": 0.04}]; '
            "each needs a billable, a unit and a cost of at least 0 (a variant is optional)."
        )
    return raw


@dataclass(frozen=True)
class ModelOffer:
    """What one model offers (through one provider, or any), after the admin's override."""

    parameters: openrouter.Capabilities
    # The providers whose pricing applies (all of them, or the pinned one); empty for chat models.
    providers: tuple[Provider, ...]
    # Pricing lines per provider (one set for a chat model, or when an admin priced the model).
    price_sets: tuple[tuple[openrouter.PricingLine, ...], ...]
    overridden_parameters: frozenset[str] = field(default_factory=frozenset)
    pricing_overridden: bool = False

    def supports(self, name: str) -> bool:
        return name in self.parameters

    def enum_values(self, name: str) -> tuple[str, ...]:
        capability = self.parameters.get(name)
        return capability.values if isinstance(capability, openrouter.EnumCapability) else ()


def model_offer(
    *,
    parameters: Mapping[str, Any],
    providers: Sequence[Mapping[str, Any]],
    pricing: Sequence[Mapping[str, Any]],
    parameters_override: Mapping[str, Any] | None,
    pricing_override: Sequence[Mapping[str, Any]] | None,
    provider: str | None = None,
    model_id: str = "",
) -> ModelOffer:
    """A model's offer from its stored JSON: merged over its providers, or only `provider`'s (a slug)."""
    every = tuple(Provider.from_json(raw) for raw in providers)
    chosen = tuple(p for p in every if p.slug == provider) if provider else every
    if provider and chosen:
        discovered = dict(chosen[0].parameters)
    else:
        discovered = openrouter.parse_capabilities(parameters, source=model_id)
    overrides = parameters_override or {}
    for name, descriptor in overrides.items():
        if descriptor is None:
            discovered.pop(name, None)
        else:
            discovered.update(openrouter.parse_capabilities({name: descriptor}, source="the override"))
    if pricing_override:
        price_sets = (openrouter.parse_pricing(list(pricing_override), source="the override"),)
    elif chosen:
        price_sets = tuple(p.pricing for p in chosen)
    else:
        price_sets = (openrouter.parse_pricing(list(pricing), source=model_id),)
    return ModelOffer(
        parameters=discovered,
        providers=chosen,
        price_sets=price_sets,
        overridden_parameters=frozenset(overrides),
        pricing_overridden=bool(pricing_override),
    )
