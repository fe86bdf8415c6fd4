"""What an image model accepts and what it costs, as OpenRouter's Image API describes it.

`supported_parameters` maps a request field to a typed descriptor (`CapabilityDescriptor`): `enum`
(one of `values`), `range` (a number from `min` to `max`, inclusive) or `boolean` (accepted). A
missing key means the parameter is unsupported. Pricing is a list of lines (`ImagePricingEntry`):
what is billed (`billable`), per what (`unit`), at what price (`cost_usd`), and for which variant.

The JSON shapes here are the wire's, so Easel stores them as they came and reads them back with the
same parser. Reading is lenient: a descriptor of a type Easel does not know, or a malformed one, is
left out with a log line (never a crash), and so is a pricing line that cannot be read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger("easel.openrouter")

# What pricing lines bill and per what, as the published schema lists them (both are open enums: a
# value Easel does not know is kept, and an estimate that meets it says it cannot be made).
BILLABLES = ("output_image", "input_image", "input_font", "input_reference", "input_text")
UNITS = ("image", "megapixel", "token", "request")


@dataclass(frozen=True, slots=True)
class EnumCapability:
    """One of a discrete set of string values."""

    values: tuple[str, ...]

    def accepts(self, value: object) -> bool:
        return value in self.values

    def to_json(self) -> dict[str, Any]:
        return {"type": "enum", "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class RangeCapability:
    """Any number from `minimum` to `maximum`, inclusive."""

    minimum: Decimal
    maximum: Decimal

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return False
        return self.minimum <= Decimal(str(value)) <= self.maximum

    def to_json(self) -> dict[str, Any]:
        return {"type": "range", "min": _number_json(self.minimum), "max": _number_json(self.maximum)}


@dataclass(frozen=True, slots=True)
class BooleanCapability:
    """The parameter is accepted (its own type says what values)."""

    def accepts(self, value: object) -> bool:
        return value is not None

    def to_json(self) -> dict[str, Any]:
        return {"type": "boolean"}


type Capability = EnumCapability | RangeCapability | BooleanCapability
type Capabilities = dict[str, Capability]


def _number_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_capability(name: str, raw: object, *, source: str) -> Capability | None:
    """One descriptor, or None (logged) when its type is unknown or it cannot be read."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    known_fields = {"enum": {"type", "values"}, "range": {"type", "min", "max"}, "boolean": {"type"}}
    if kind not in known_fields:
        logger.info("Ignoring %s's descriptor for %r: unknown type %r", source, name, kind)
        return None
    assert isinstance(raw, Mapping)
    unknown = sorted(set(raw) - known_fields[kind])
    if unknown:
        logger.info("Ignoring unknown fields %s of %s's descriptor for %r", unknown, source, name)
    if kind == "boolean":
        return BooleanCapability()
    if kind == "enum":
        values = raw.get("values")
        if isinstance(values, list) and values and all(isinstance(value, str) for value in values):
            return EnumCapability(values=tuple(dict.fromkeys(values)))
    else:
        low, high = _number(raw.get("min")), _number(raw.get("max"))
        if low is not None and high is not None and low <= high:
            return RangeCapability(minimum=low, maximum=high)
    logger.info("Ignoring %s's malformed %s descriptor for %r", source, kind, name)
    return None


def parse_capabilities(raw: object, *, source: str) -> Capabilities:
    """`supported_parameters` (a map of descriptors); anything unreadable is left out, with a log line."""
    if not isinstance(raw, Mapping):
        if raw is not None:
            logger.info("Ignoring %s's supported_parameters: not an object", source)
        return {}
    parsed = {}
    for name, descriptor in raw.items():
        if isinstance(name, str) and (capability := parse_capability(name, descriptor, source=source)):
            parsed[name] = capability
    return parsed


def capabilities_json(capabilities: Mapping[str, Capability]) -> dict[str, Any]:
    return {name: capability.to_json() for name, capability in capabilities.items()}


def merge_capabilities(*sets: Mapping[str, Capability]) -> Capabilities:
    """The union of several endpoints' descriptors: what at least one of them accepts.

    Enums join their values (in order of first appearance), ranges widen; when two endpoints describe
    one parameter with different types, the more permissive wins (boolean, then range, then enum).
    """
    merged: Capabilities = {}
    for capabilities in sets:
        for name, capability in capabilities.items():
            merged[name] = _union(merged.get(name), capability)
    return merged


def _union(first: Capability | None, second: Capability) -> Capability:
    if first is None:
        return second
    if isinstance(first, EnumCapability) and isinstance(second, EnumCapability):
        return EnumCapability(values=tuple(dict.fromkeys(first.values + second.values)))
    if isinstance(first, RangeCapability) and isinstance(second, RangeCapability):
        return RangeCapability(
            minimum=min(first.minimum, second.minimum), maximum=max(first.maximum, second.maximum)
        )
    rank = {BooleanCapability: 0, RangeCapability: 1, EnumCapability: 2}
    return first if rank[type(first)] <= rank[type(second)] else second


@dataclass(frozen=True, slots=True)
class PricingLine:
    """One billable line: `cost_usd` per `unit` of `billable` (for `variant`, e.g. one resolution)."""

    billable: str
    unit: str
    cost_usd: Decimal
    variant: str | None = None

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {"billable": self.billable, "unit": self.unit, "cost_usd": str(self.cost_usd)}
        if self.variant is not None:
            line["variant"] = self.variant
        return line


def parse_pricing(raw: object, *, source: str) -> tuple[PricingLine, ...]:
    """A list of pricing lines; a line that cannot be read is left out with a log line."""
    if not isinstance(raw, list):
        if raw is not None:
            logger.info("Ignoring %s's pricing: not a list", source)
        return ()
    lines = []
    for entry in raw:
        line = _pricing_line(entry)
        if line is None:
            logger.info("Ignoring a pricing line of %s that cannot be read: %.200r", source, entry)
        else:
            lines.append(line)
    return tuple(lines)


def _pricing_line(entry: object) -> PricingLine | None:
    if not isinstance(entry, Mapping):
        return None
    billable, unit, variant = entry.get("billable"), entry.get("unit"), entry.get("variant")
    cost = _number(entry.get("cost_usd"))
    if not (isinstance(billable, str) and billable and isinstance(unit, str) and unit):
        return None
    if cost is None or cost < 0 or not (variant is None or isinstance(variant, str)):
        return None
    return PricingLine(billable=billable, unit=unit, cost_usd=cost, variant=variant or None)


def pricing_json(lines: tuple[PricingLine, ...] | list[PricingLine]) -> list[dict[str, Any]]:
    return [line.to_json() for line in lines]
