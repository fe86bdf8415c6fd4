"""What a request is expected to cost, from the pricing lines OpenRouter publishes for the model.

One number serves the form ("Estimated cost: $…") and the budget reservation. Lines priced per image,
per megapixel or per request give an exact amount; a line priced per token is known only at
completion, so the estimate becomes a range from the exact part to a ceiling, and the budget reserves
the ceiling. Where OpenRouter may route to several providers, the range spans all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal

import openrouter
from core import money
from core.aspect_ratios import pixel_size

# The most output tokens OpenAI's image guide lists for one image (GPT Image 1, high quality, 1536×1024):
# the ceiling for an image billed per token. Gemini's image models stay under it (1290; 2000 at 4K).
MAX_TOKENS_PER_IMAGE = 6240
OUTPUTS = frozenset({"output_image"})
INPUTS = frozenset({"input_image", "input_reference"})


@dataclass(frozen=True)
class Choices:
    """The parts of a request that its price depends on."""

    count: int = 1
    requests: int = 1
    aspect_ratio: str = ""
    image_size: str = ""
    quality: str = ""
    prompt_length: int = 0
    # Megapixels of each reference image (known once they are uploaded or picked).
    reference_megapixels: tuple[float, ...] = ()


@dataclass(frozen=True)
class Estimate:
    low: Decimal
    high: Decimal

    @property
    def reserve(self) -> Decimal:
        """What the budget holds back until the actual cost is known: the top of the range."""
        return self.high

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def words(self) -> str:
        if not self.is_range:
            return money.usd(self.high, price=True)
        low, high = money.usd(self.low, price=True), money.usd(self.high, price=True)
        return f"{low} to {high} (the price is known when it completes)"


def _output_megapixels(choices: Choices) -> Decimal:
    size = pixel_size(choices.aspect_ratio or "1:1", choices.image_size or "1K")
    width, height = size or (1024, 1024)
    return Decimal(width * height) / Decimal(1_000_000)


def _quantity(line: openrouter.PricingLine, choices: Choices) -> tuple[Decimal, Decimal] | None:
    """How many units of `line` the request bills, as (at least, at most); None: cannot be told."""
    references = len(choices.reference_megapixels)
    if line.billable in OUTPUTS:
        per_unit = {
            "image": Decimal(1),
            "megapixel": _output_megapixels(choices),
            "token": None,
        }.get(line.unit, "unknown")
        if per_unit == "unknown":
            return None
        if per_unit is None:
            return Decimal(0), Decimal(MAX_TOKENS_PER_IMAGE * choices.count)
        return per_unit * choices.count, per_unit * choices.count
    if line.billable in INPUTS:
        units = {
            "image": Decimal(references),
            "megapixel": sum((Decimal(str(mp)) for mp in choices.reference_megapixels), Decimal(0)),
        }.get(line.unit)
        if line.unit == "token":
            return Decimal(0), Decimal(MAX_TOKENS_PER_IMAGE * references * choices.requests)
        return None if units is None else (units * choices.requests, units * choices.requests)
    if line.billable == "request" or line.unit == "request":
        return Decimal(choices.requests), Decimal(choices.requests)
    if line.billable == "input_text" and line.unit == "token":
        # A token is at least one character's worth for every tokenizer OpenRouter's models use.
        return Decimal(0), Decimal(choices.prompt_length * choices.requests)
    # Text a model writes beside the image, fonts and billables Easel does not know: not asked for,
    # so not reserved; the actual cost settles them.
    return Decimal(0), Decimal(0)


def _applies(line: openrouter.PricingLine, choices: Choices) -> bool:
    return line.variant is None or line.variant in (choices.image_size, choices.quality, choices.aspect_ratio)


def _provider_estimate(lines: Sequence[openrouter.PricingLine], choices: Choices) -> Estimate | None:
    """One provider's cost for the request, or None when it publishes no price for the image itself."""
    if not any(line.billable in OUTPUTS for line in lines):
        return None
    low = high = Decimal(0)
    by_billable: dict[tuple[str, str], list[openrouter.PricingLine]] = {}
    for line in lines:
        by_billable.setdefault((line.billable, line.unit), []).append(line)
    for group in by_billable.values():
        chosen = [line for line in group if _applies(line, choices)]
        # Variants none of which matches the request (a quality the form does not send): any may apply.
        candidates = chosen or group
        amounts = []
        for line in candidates:
            quantity = _quantity(line, choices)
            if quantity is None:
                return None
            amounts.append((line.cost_usd * quantity[0], line.cost_usd * quantity[1]))
        low += min(amount[0] for amount in amounts)
        high += max(amount[1] for amount in amounts)
    return Estimate(low=low, high=high)


def estimate(offer, choices: Choices) -> Estimate | None:
    """The cost of the request through any provider the offer has (None: no published price for it)."""
    estimates = [_provider_estimate(lines, choices) for lines in offer.price_sets]
    if not estimates or any(each is None for each in estimates):
        return None
    return Estimate(
        low=money.stored(min(each.low for each in estimates), rounding=ROUND_HALF_EVEN),
        high=money.stored(max(each.high for each in estimates), rounding=ROUND_UP),
    )
