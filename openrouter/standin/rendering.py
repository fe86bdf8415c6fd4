"""The stand-in's pictures: a real image for the prompt at the documented size, and broken ones for faults."""

from __future__ import annotations

import hashlib
import io
import math
import re
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from core.aspect_ratios import (
    ASPECT_RATIO_PIXELS,
    DEFAULT_ASPECT_RATIO,
    DEFAULT_IMAGE_SIZE,
    IMAGE_SIZE_FACTORS,
)

# `output_format` values the stand-in renders (the API also has "svg", for vectorization models only).
OUTPUT_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def image_dimensions(aspect_ratio: str | None, image_size: str | None) -> tuple[int, int]:
    """The documented pixel size: the 1K size of the ratio, times the image size's factor."""
    width, height = ASPECT_RATIO_PIXELS[aspect_ratio or DEFAULT_ASPECT_RATIO]
    scale = int(IMAGE_SIZE_FACTORS[image_size or DEFAULT_IMAGE_SIZE])
    return width * scale, height * scale


_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 50),
    "orange": (245, 140, 30),
    "yellow": (250, 215, 50),
    "gold": (212, 175, 55),
    "green": (50, 170, 80),
    "teal": (0, 140, 140),
    "cyan": (40, 200, 220),
    "blue": (40, 90, 220),
    "navy": (20, 30, 90),
    "purple": (130, 60, 180),
    "violet": (150, 90, 220),
    "pink": (240, 120, 170),
    "magenta": (210, 40, 170),
    "brown": (130, 80, 40),
    "black": (20, 20, 24),
    "white": (245, 245, 245),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "silver": (190, 195, 200),
}
_SHAPE_WORDS: dict[str, str] = {
    "circle": "circle",
    "sun": "circle",
    "moon": "circle",
    "ball": "circle",
    "planet": "circle",
    "square": "square",
    "box": "square",
    "cube": "square",
    "house": "square",
    "building": "square",
    "triangle": "triangle",
    "mountain": "triangle",
    "pyramid": "triangle",
    "tree": "triangle",
    "star": "star",
}
_SHAPES = ("circle", "square", "triangle", "star")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


type RGB = tuple[int, int, int]


def _scene(prompt: str, variant: int, seed: int | None) -> tuple[list[RGB], str]:
    """Colours named in the prompt (else ones derived from it), and a shape it names (else a derived one);
    a seed changes the derived ones, the same seed always the same way."""
    key = f"{prompt}|{variant}" if seed is None else f"{prompt}|{variant}|seed {seed}"
    digest = hashlib.sha256(key.encode()).digest()
    words = _words(prompt)
    colours: list[RGB] = []
    for word in words:
        if word in _COLOURS and _COLOURS[word] not in colours:
            colours.append(_COLOURS[word])
    colours += [(digest[i], digest[i + 1], digest[i + 2]) for i in (0, 3, 6)]
    colours = colours[:3]
    if variant:
        colours = colours[variant % 3 :] + colours[: variant % 3]
    shape = next((_SHAPE_WORDS[w] for w in words if w in _SHAPE_WORDS), _SHAPES[digest[9] % len(_SHAPES)])
    return colours, shape


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.42
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


@lru_cache(maxsize=48)
def render_png(
    prompt: str,
    width: int,
    height: int,
    variant: int = 0,
    caption: str = "",
    *,
    seed: int | None = None,
    transparent: bool = False,
) -> bytes:
    """A deterministic PNG: a gradient in the prompt's colours (none when `transparent`: an RGBA picture
    whose background is see-through), its shape, and the prompt written on it."""
    colours, shape = _scene(prompt, variant, seed)
    top, bottom, accent = colours
    if transparent:
        picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    else:
        # The gradient is made 256 px tall and stretched: far cheaper than compositing at full size.
        ramp = Image.linear_gradient("L").resize((2, 256))
        strip = Image.composite(Image.new("RGB", (2, 256), bottom), Image.new("RGB", (2, 256), top), ramp)
        picture = strip.resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(picture)
    side = min(width, height)
    cx, cy, r = width / 2, height * 0.45, side * 0.28
    box = (cx - r, cy - r, cx + r, cy + r)
    outline = (255, 255, 255)
    stroke = max(2, side // 200)
    if shape == "circle":
        draw.ellipse(box, fill=accent, outline=outline, width=stroke)
    elif shape == "square":
        draw.rectangle(box, fill=accent, outline=outline, width=stroke)
    elif shape == "triangle":
        draw.polygon(
            [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=accent, outline=outline, width=stroke
        )
    else:
        draw.polygon(_star(cx, cy, r), fill=accent, outline=outline, width=stroke)
    font = ImageFont.load_default(size=max(14, side // 22))
    lines = _wrap(prompt, max_chars=max(16, width // max(8, side // 40)))[:3]
    y = height * 0.80
    for line in lines:
        draw.text(
            (width / 2, y),
            line,
            font=font,
            fill="white",
            anchor="ma",
            stroke_width=max(1, side // 300),
            stroke_fill="black",
        )
        y += side / 20
    if caption:
        small = ImageFont.load_default(size=max(10, side // 48))
        draw.text(
            (side / 60, side / 60), caption, font=small, fill="white", stroke_width=1, stroke_fill="black"
        )
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _wrap(text: str, *, max_chars: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > max_chars:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb in miniature."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])  # 8-bit grey
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)  # a few rows; the rest is missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def picture(
    subject: str,
    width: int,
    height: int,
    variant: int,
    caption: str,
    *,
    seed: int | None,
    transparent: bool,
    output_format: str,
) -> bytes:
    """One picture of a reply, drawn and encoded in the format asked for (what a drawing process runs)."""
    png = render_png(subject, width, height, variant, caption, seed=seed, transparent=transparent)
    return encoded(png, output_format)


def encoded(png: bytes, output_format: str) -> bytes:
    """The rendered PNG in the requested format (png, jpeg or webp)."""
    if output_format == "png":
        return png
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as picture:
        keeps_alpha = output_format == "webp" and picture.mode == "RGBA"
        picture.convert("RGBA" if keeps_alpha else "RGB").save(out, OUTPUT_FORMATS[output_format])
    return out.getvalue()
