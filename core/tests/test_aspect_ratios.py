"""OpenRouter's aspect ratios and image sizes: pixel sizes, labels, and whether a picture has the shape asked."""

import pytest

from core.aspect_ratios import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_IMAGE_SIZE,
    IMAGE_SIZES,
    STANDARD_ASPECT_RATIOS,
    aspect_matches,
    aspect_ratio_label,
    pixel_size,
)


def test_the_documented_ratios_and_sizes():
    assert STANDARD_ASPECT_RATIOS == ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
    assert IMAGE_SIZES == ["1K", "2K", "4K"]
    assert DEFAULT_ASPECT_RATIO in STANDARD_ASPECT_RATIOS
    assert DEFAULT_IMAGE_SIZE == "1K"


def test_pixel_sizes():
    assert pixel_size("16:9") == (1344, 768)
    assert pixel_size("16:9", "2K") == (2688, 1536)
    assert pixel_size("1:1", "4K") == (4096, 4096)
    assert pixel_size("1:1", "") == (1024, 1024)
    assert pixel_size("1:1", "8K") == (1024, 1024)
    assert pixel_size("7:3") is None


def test_labels():
    assert aspect_ratio_label("16:9") == "16:9 — 1344×768"
    assert aspect_ratio_label("2:3", "2K") == "2:3 — 1664×2496"
    assert aspect_ratio_label("7:3") == "7:3"


def test_aspect_matches_within_two_percent():
    assert aspect_matches("16:9", 1344, 768)
    assert aspect_matches("16:9", 1920, 1080)
    assert aspect_matches("1:1", 1000, 1019)
    assert not aspect_matches("1:1", 1000, 1030)
    assert not aspect_matches("16:9", 768, 1344)


@pytest.mark.parametrize(
    ("ratio", "width", "height"),
    [("wide", 100, 50), ("16:", 100, 50), ("0:1", 100, 50), ("1:1", 0, 100), ("1:1", 100, 0)],
)
def test_nonsense_never_matches(ratio, width, height):
    assert not aspect_matches(ratio, width, height)


def test_a_documented_pixel_size_is_the_shape_asked_for_even_when_its_ratio_is_rounded():
    # 1536×672 is 2.04% off 21:9, and exactly the size OpenRouter documents for it (at 1K and 2K).
    assert aspect_matches("21:9", 1536, 672)
    assert aspect_matches("21:9", 3072, 1344, image_size="2K")
    assert not aspect_matches("21:9", 1024, 1024)
    assert not aspect_matches("16:9", 1536, 672)
