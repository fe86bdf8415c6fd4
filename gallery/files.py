"""Image files on Django's default storage: atomic writes, thumbnails, display copies, names.
(gallery/serving.py serves them.)

Names are content hashes (`images/ab/<sha256>.png`), so a name always means the same bytes: files are
never rewritten, responses can be cached forever, and two rows may share one file. Files are written
owner-only (0600): other local users of the machine read nothing.
"""

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageFilter
from storages.utils import clean_name, safe_join

from core import image_formats
from core.decoding import decoding_slot

THUMBNAIL_MIME = "image/webp"
DISPLAY_MIME = "image/webp"
# The copy a share link shows when it doesn't allow downloads: big enough to look at, not the original.
DISPLAY_LONG_SIDE = 2048
FILE_MODE = 0o600
# What S3-compatible storage raises when it is unreachable, slower than its timeouts, or refusing.
STORAGE_ERRORS = (BotoCoreError, ClientError)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_name(*, sha256: str, image_format: str, folder: str = "images") -> str:
    return f"{folder}/{sha256[:2]}/{sha256}.{image_formats.EXTENSIONS[image_format]}"


def thumbnail_name(*, sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256}.webp"


def display_name(*, sha256: str) -> str:
    """The display copy of the original whose content hash is `sha256` (made when first needed)."""
    return f"display/{sha256[:2]}/{sha256}.webp"


def write_file(*, name: str, data: bytes) -> bool:
    """Write `data` under `name` unless it is already there; True when this call created the file.

    On disk the bytes go to a temporary file in the same folder, are fsynced, then renamed into place,
    so a crash or a full disk never leaves a partial file under the final name.
    """
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        path = Path(storage.path(name))
        if path.exists():
            return False
        _make_private_folders(path.parent)
        fd, temp_path = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp_path, FILE_MODE)  # mkstemp makes 0600 already; said here so it stays so
            os.replace(temp_path, path)
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        return True
    if storage.exists(name):
        return False
    storage.save(name, ContentFile(data))
    return True


def delete_file(*, name: str) -> None:
    if name:
        default_storage.delete(name)


def file_exists(*, name: str) -> bool:
    return default_storage.exists(name)


def open_stream(*, name: str) -> tuple[BinaryIO, int]:
    """A readable file object for `name` that reads in pieces, and its size in bytes.

    On object storage it is the body of one GET, read as it arrives: django-storages' own file objects
    ask for the object's metadata first (one more round trip) and then download the whole object into
    memory before the first read, which a 4K original or a ZIP of many must not do.
    """
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        return storage.open(name, "rb"), storage.size(name)
    key = safe_join(storage.location, clean_name(name))  # the object key django-storages uses for `name`
    try:
        response = storage.bucket.Object(key).get()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise FileNotFoundError(f"{name} is not in the bucket") from error
        raise
    return response["Body"], response["ContentLength"]


def iter_chunks(*, name: str, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    stream, _size = open_stream(name=name)
    try:
        while chunk := stream.read(chunk_size):
            yield chunk
    finally:
        stream.close()


def read_file(*, name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _make_private_folders(path: Path) -> None:
    """Create `path` and any missing parents owner-only (0700), whatever the process's umask."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    width: int
    height: int


def make_thumbnail(data: bytes, *, long_side: int | None = None) -> Thumbnail:
    """A WebP whose long side is at most `long_side` pixels (THUMBNAIL_LONG_SIDE), from an image file's bytes.

    A generation's images are not decoded here a second time: the check that accepts them decodes each one
    whole, and the worker makes the thumbnail from those pixels (thumbnail_from_pixels, through the
    OpenRouter client's `derive`). This is for everything else: references, previews, older files.
    """
    long_side = long_side or settings.THUMBNAIL_LONG_SIDE
    # The whole picture's pixels, and a converted copy, until it is scaled down.
    with (
        decoding_slot(),
        PILImage.open(io.BytesIO(data), formats=list(image_formats.PILLOW_FORMATS)) as source,
    ):
        source.draft("RGB", (long_side, long_side))  # JPEG decodes at a reduced scale: much faster
        return thumbnail_from_pixels(source, long_side=long_side)


def thumbnail_from_pixels(picture: PILImage.Image, *, long_side: int | None = None) -> Thumbnail:
    """The thumbnail of a decoded picture. It may scale `picture` itself: pass one you are done with.

    Tuned for save time, since storing is what a burst of generations waits on (bench/bench_generate.py),
    and for page weight (bench/bench_gallery.py: 60 thumbnails well under 2 MB):
    - the picture is first reduced by a whole factor, averaging each 2×2 (or 3×3…) block, then scaled
      the rest of the way with the bilinear filter (`reducing_gap=1.0`): 1 ms from 1024 px rather than
      7.5 ms for the bilinear filter alone;
    - a half-pixel box blur then smooths the grain that averaging blocks keeps and a wider filter would
      have removed: without it a noisy picture's thumbnail is 19 KB rather than 4 KB, and a 60-tile page
      1.5 MB rather than 0.6 MB (smooth pictures' thumbnails are 4 KB either way); with it, scaling and
      encoding take 10 ms rather than 13 ms for the bilinear filter alone;
    - no copy when the picture is already RGB or RGBA;
    - WebP `method=2` encodes about three times faster than method 4, with files of the same size, and
      quality 75 rather than 80 makes them a third smaller, with no visible loss at tile size (a 512 px
      thumbnail fills a ~200 px tile, twice over on a HiDPI screen).
    """
    long_side = long_side or settings.THUMBNAIL_LONG_SIDE
    mode = "RGBA" if _has_alpha(picture) else "RGB"
    image = picture if picture.mode == mode else picture.convert(mode)
    full_size = image.size
    image.thumbnail((long_side, long_side), PILImage.Resampling.BILINEAR, reducing_gap=1.0)
    if image.size != full_size:
        image = image.filter(ImageFilter.BoxBlur(0.5))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=75, method=2)
    return Thumbnail(data=out.getvalue(), width=image.width, height=image.height)


def _has_alpha(image: PILImage.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def display_size(width: int, height: int, *, long_side: int = DISPLAY_LONG_SIDE) -> tuple[int, int]:
    """The display copy's size: the original's, scaled down (never up) to `long_side` on its long side."""
    if max(width, height) <= long_side:
        return width, height
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_display_copy(data: bytes) -> bytes:
    """A WebP of the original's pixels at display_size, and nothing else: no EXIF, XMP, ICC profile,
    text chunks or Content Credentials, and none of the bytes after the image (the original keeps them)."""
    with decoding_slot():
        with PILImage.open(io.BytesIO(data), formats=list(image_formats.PILLOW_FORMATS)) as source:
            size = display_size(*source.size)
            source.draft("RGB", size)  # JPEG decodes at a reduced scale when it can
            image = source.convert("RGBA" if _has_alpha(source) else "RGB")
        if image.size != size:
            image = image.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    image.info = {}  # WebP writes only what save() is given; this keeps it so if that ever changes
    out = io.BytesIO()
    image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def download_filename(*, created_at, prompt: str, extension: str) -> str:
    """`2026-11-27-a-red-fox-in-the-snow.png`: sortable, readable, ASCII only."""
    words = slugify(prompt)[:60].strip("-") or "image"
    return f"{created_at:%Y-%m-%d}-{words}.{extension}"
