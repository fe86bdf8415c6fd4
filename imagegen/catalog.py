"""Easel's policy for image models: which aspect ratios and sizes a new model is offered, and what one
image is estimated to cost (to reserve budget before calling OpenRouter).

The ratios and sizes themselves are facts from OpenRouter's docs (core.aspect_ratios). What a model is
offered is the default an admin can edit per model (`ImageModel.aspect_ratios` / `image_sizes`).
"""

from decimal import ROUND_HALF_EVEN, Decimal

from core import money
from core.aspect_ratios import DEFAULT_IMAGE_SIZE, IMAGE_SIZES, STANDARD_ASPECT_RATIOS

# Gemini bills generated images per image token; a 1K image is 1290 tokens (OpenRouter captures).
IMAGE_TOKENS_PER_1K_IMAGE = 1290


def default_image_sizes(model_id: str) -> list[str]:
    """Only the Gemini 3 family documents 2K and 4K; others are offered 1K until an admin says more."""
    return list(IMAGE_SIZES) if "gemini-3" in model_id else [DEFAULT_IMAGE_SIZE]


def estimated_price_per_image(
    *, image_output: Decimal | None, request: Decimal | None = None
) -> Decimal | None:
    """USD for one 1K image, from OpenRouter's pricing strings.

    `image_output` is "per output image" in the spec but Gemini reports it per image *token*
    (0.00003 × 1290 = $0.0387, matching real usage); a price under a tenth of a cent is read as per token.
    """
    if image_output is None or image_output <= 0:
        return request if request else None
    if image_output < Decimal("0.001"):
        per_image = image_output * IMAGE_TOKENS_PER_1K_IMAGE
    else:
        per_image = image_output
    return money.stored(per_image + (request or 0), rounding=ROUND_HALF_EVEN)


def default_aspect_ratios_for_new() -> list[str]:
    """Model field default (migrations need a module-level callable)."""
    return list(STANDARD_ASPECT_RATIOS)


def default_image_sizes_for_new() -> list[str]:
    return [DEFAULT_IMAGE_SIZE]
