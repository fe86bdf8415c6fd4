"""What OpenRouter's docs say image models accept: aspect ratios with their pixel sizes, and image sizes.

These are the defaults an admin can edit per model (`ImageModel.aspect_ratios` / `image_sizes`).
"""

from decimal import Decimal

# aspect ratio -> (width, height) at 1K, from OpenRouter's image-generation docs.
ASPECT_RATIO_PIXELS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
STANDARD_ASPECT_RATIOS = list(ASPECT_RATIO_PIXELS)
DEFAULT_ASPECT_RATIO = "1:1"

IMAGE_SIZE_FACTORS: dict[str, float] = {"1K": 1, "2K": 2, "4K": 4}
IMAGE_SIZES = list(IMAGE_SIZE_FACTORS)
DEFAULT_IMAGE_SIZE = "1K"

# Gemini bills generated images per image token; a 1K image is 1290 tokens (OpenRouter captures).
IMAGE_TOKENS_PER_1K_IMAGE = 1290
# Larger sizes cost more; reservations use these multipliers of the 1K price so budgets are never overshot.
IMAGE_SIZE_COST_FACTORS: dict[str, Decimal] = {"1K": Decimal(1), "2K": Decimal(2), "4K": Decimal(4)}


def pixel_size(aspect_ratio: str, image_size: str = DEFAULT_IMAGE_SIZE) -> tuple[int, int] | None:
    base = ASPECT_RATIO_PIXELS.get(aspect_ratio)
    if base is None:
        return None
    factor = IMAGE_SIZE_FACTORS.get(image_size or DEFAULT_IMAGE_SIZE, 1)
    return round(base[0] * factor), round(base[1] * factor)


def aspect_ratio_label(aspect_ratio: str, image_size: str = DEFAULT_IMAGE_SIZE) -> str:
    size = pixel_size(aspect_ratio, image_size)
    return f"{aspect_ratio} — {size[0]}×{size[1]}" if size else aspect_ratio


def default_image_sizes(model_id: str) -> list[str]:
    """Only the Gemini 3 family documents 2K and 4K; others are offered 1K until an admin says more."""
    return list(IMAGE_SIZES) if "gemini-3" in model_id else [DEFAULT_IMAGE_SIZE]


def default_aspect_ratios(model_id: str) -> list[str]:
    return list(STANDARD_ASPECT_RATIOS)


def aspect_matches(aspect_ratio: str, width: int, height: int, *, tolerance: float = 0.02) -> bool:
    """Whether an image's actual shape is within 2% of the requested ratio."""
    try:
        w, h = (int(part) for part in aspect_ratio.split(":"))
    except ValueError:
        return False
    if not (w and h and width and height):
        return False
    return abs((width / height) / (w / h) - 1) <= tolerance


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
    return (per_image + (request or 0)).quantize(Decimal("0.000001"))


def default_aspect_ratios_for_new() -> list[str]:
    """Model field default (migrations need a module-level callable)."""
    return list(STANDARD_ASPECT_RATIOS)


def default_image_sizes_for_new() -> list[str]:
    return [DEFAULT_IMAGE_SIZE]
