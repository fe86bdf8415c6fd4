"""What OpenRouter's image-generation docs say about picture shapes: the aspect ratios with their pixel
sizes at 1K, and the image sizes (1K, 2K, 4K) that multiply both sides.

Which ratios and sizes a model takes is OpenRouter's to say, per model (imagegen.capabilities); these
sizes label the choices and judge an image's shape.
"""

# aspect ratio -> (width, height) at 1K.
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
# What a model draws when the request names no ratio or size.
DEFAULT_ASPECT_RATIO = "1:1"

# Larger sizes multiply both sides, and reservations multiply the 1K price by the same factor.
IMAGE_SIZE_FACTORS: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}
IMAGE_SIZES = list(IMAGE_SIZE_FACTORS)
DEFAULT_IMAGE_SIZE = "1K"


def pixel_size(aspect_ratio: str, image_size: str = DEFAULT_IMAGE_SIZE) -> tuple[int, int] | None:
    base = ASPECT_RATIO_PIXELS.get(aspect_ratio)
    if base is None:
        return None
    factor = IMAGE_SIZE_FACTORS.get(image_size or DEFAULT_IMAGE_SIZE, 1)
    return round(base[0] * factor), round(base[1] * factor)


def aspect_ratio_label(aspect_ratio: str, image_size: str = DEFAULT_IMAGE_SIZE) -> str:
    """ "16:9 — 1344×768": the ratio with the picture it makes at that size."""
    size = pixel_size(aspect_ratio, image_size)
    return f"{aspect_ratio} — {size[0]}×{size[1]}" if size else aspect_ratio


def aspect_matches(
    aspect_ratio: str, width: int, height: int, *, image_size: str = "", tolerance: float = 0.02
) -> bool:
    """Whether an image has the shape asked for: the pixel size OpenRouter documents for the ratio (at
    any size: providers clamp to these), or within 2% of the ratio itself. 21:9 is drawn 1536×672, which
    is 2.04% off 21:9 and still exactly what was asked for."""
    try:
        w, h = (int(part) for part in aspect_ratio.split(":"))
    except ValueError:
        return False
    if not (w and h and width and height):
        return False
    documented = {pixel_size(aspect_ratio, size) for size in (image_size or DEFAULT_IMAGE_SIZE, *IMAGE_SIZES)}
    if (width, height) in documented:
        return True
    if any(size and width * size[1] == height * size[0] for size in documented):
        return True
    return abs((width / height) / (w / h) - 1) <= tolerance
