"""The request parameters Easel offers on the Generate form, as OpenRouter names them, with the labels
members see; and plain words for a model's prices and for what a sync finds it no longer offers."""

from __future__ import annotations

from decimal import Decimal

import openrouter
from core.money import usd

# (OpenRouter's parameter, the form's field, the label members see), in the form's order.
PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("n", "count", "Images"),
    ("aspect_ratio", "aspect_ratio", "Aspect ratio"),
    ("resolution", "image_size", "Image size"),
    ("quality", "quality", "Quality"),
    ("background", "background", "Background"),
    ("output_format", "output_format", "Output format"),
    ("seed", "seed", "Seed"),
)
FIELD_OF = {name: field for name, field, _ in PARAMETERS}
PARAMETER_OF = {field: name for name, field, _ in PARAMETERS}
LABELS = {name: label for name, _, label in PARAMETERS}
# What chat completions can carry of these (in `image_config`, and `seed`); the rest is the Image API's.
CHAT_PARAMETERS = frozenset({"aspect_ratio", "resolution", "seed"})


def label_of(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def values_no_longer_offered(old: openrouter.Capability, new: openrouter.Capability | None) -> list[str]:
    """What `old` accepted that `new` does not: enum values, a range's lost ends, or ["*"] for anything."""
    if new is None:
        return list(old.values) if isinstance(old, openrouter.EnumCapability) else ["*"]
    if isinstance(old, openrouter.EnumCapability):
        if isinstance(new, openrouter.EnumCapability):
            return [value for value in old.values if value not in new.values]
        return []
    if isinstance(old, openrouter.RangeCapability) and isinstance(new, openrouter.RangeCapability):
        lost = []
        if new.minimum > old.minimum:
            lost.append(f"below {new.minimum:g}")
        if new.maximum < old.maximum:
            lost.append(f"above {new.maximum:g}")
        return lost
    return []


_UNITS = {"image": "an image", "megapixel": "per megapixel", "token": "per token", "request": "a request"}
_PLURALS = {"image": "images", "megapixel": "megapixels", "token": "tokens", "request": "requests"}
_BILLABLES = {
    "output_image": "",
    "output_text": " of text out",
    "input_text": " of prompt",
    "input_image": " of reference",
    "input_reference": " of reference",
    "input_font": " of font",
    "request": "",
}
# Token prices read per million tokens, as OpenRouter lists them; another price under a hundredth of a
# cent per thousand, so no price needs more than four decimals.
_PER_MILLION, _PER_THOUSAND = Decimal(1_000_000), Decimal(1000)
_SMALLEST_SHOWN = Decimal("0.0001")


def line_words(line: openrouter.PricingLine) -> str:
    """ "$0.03 an image (1K)", "$5.00 per 1M tokens of prompt", "$0.0774 per 1,000 references": one
    pricing line for people."""
    what = _BILLABLES.get(line.billable, f" of {line.billable.replace('_', ' ')}")
    # Per image or per request of a reference, a font…: "a reference" rather than "an image of reference".
    thing = what.strip().removeprefix("of ") if line.unit in ("image", "request") and what else ""
    cost = line.cost_usd
    if line.unit == "token":
        scale, count = _PER_MILLION, "1M"
    elif 0 < cost < _SMALLEST_SHOWN:
        scale, count = _PER_THOUSAND, "1,000"
    else:
        scale, count = Decimal(1), ""
    if count:
        unit = f"per {count} {f'{thing}s' if thing else _PLURALS.get(line.unit, line.unit)}"
    else:
        unit = f"a {thing}" if thing else _UNITS.get(line.unit, f"per {line.unit}")
    words = f"{usd(cost * scale, price=True)} {unit}{'' if thing else what}"
    return words + (f" ({line.variant})" if line.variant else "")


def pricing_summary(offer) -> str:
    """Every distinct pricing line of a model's offer, in words ("unknown" when it has none)."""
    lines = list(dict.fromkeys(line for lines in offer.price_sets for line in lines))
    return "; ".join(line_words(line) for line in lines) or "unknown"


# What the form starts from where a model offers it; otherwise the model's first value.
DEFAULTS = {
    "aspect_ratio": "1:1",
    "resolution": "1K",
    "quality": "auto",
    "background": "auto",
    "output_format": "png",
}
# Values Easel never asks for: it refuses to keep SVG.
NEVER_OFFERED = {"output_format": frozenset({"svg"})}
# A transparent background needs a format with an alpha channel.
TRANSPARENT_FORMATS = ("png", "webp")
# A seed where the model only says it takes one: what every provider OpenRouter lists accepts.
SEED_MAX = 2**31 - 1


def offered_values(offer, name: str) -> tuple[str, ...]:
    """The enum values the form offers for a parameter (none: the model does not take it as a choice)."""
    never = NEVER_OFFERED.get(name, frozenset())
    return tuple(value for value in offer.enum_values(name) if value.lower() not in never)


def default_value(offer, name: str) -> str:
    values = offered_values(offer, name)
    if not values:
        return ""
    return DEFAULTS[name] if DEFAULTS.get(name) in values else values[0]


def count_limit(offer, cap: int) -> int:
    """How many images the form offers: the model's `n` bound where it has one, else Easel's own cap
    (several requests of one image each)."""
    n = offer.parameters.get("n")
    if isinstance(n, openrouter.RangeCapability):
        return max(1, min(cap, int(n.maximum)))
    return cap


def images_per_request(offer, count: int) -> int:
    """The Image API's `n` for a generation of `count` images: all at once where the model takes `n`."""
    n = offer.parameters.get("n")
    return count if n is not None and n.accepts(count) else 1


def seed_bounds(offer) -> tuple[int, int] | None:
    seed = offer.parameters.get("seed")
    if seed is None:
        return None
    if isinstance(seed, openrouter.RangeCapability):
        return int(seed.minimum), int(seed.maximum)
    return 0, SEED_MAX
