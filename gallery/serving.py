"""Responses that carry an image's bytes, for any view that has already decided the viewer may see it.

The gallery's views use these after the permission checks in selectors.py; a share-link view can use
them after its own token check. They all go through files.file_response / files.zip_response, so every
served byte gets the same headers (stored Content-Type, nosniff, sandboxing CSP, immutable caching).
"""

import json

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from core import image_formats
from gallery import files
from gallery.models import Image

ORIGINAL, THUMBNAIL = "original", "thumbnail"
VARIANTS = (ORIGINAL, THUMBNAIL)


def image_download_name(image: Image, *, extension: str | None = None) -> str:
    """`2026-11-27-a-red-fox-in-the-snow.png`, from the image's date and prompt."""
    return files.download_filename(
        created_at=timezone.localtime(image.created_at),
        prompt=image.prompt,
        extension=extension or image_formats.EXTENSIONS.get(image.format, "bin"),
    )


def image_file_response(request, *, image: Image, variant: str, as_attachment: bool = False) -> HttpResponse:
    """The original (unchanged bytes) or the WebP thumbnail. The ETag is the content hash: names never change."""
    if variant == THUMBNAIL:
        return files.file_response(
            request,
            name=image.thumbnail_name,
            content_type=files.THUMBNAIL_MIME,
            etag=f"{image.sha256}-thumbnail",
            filename=image_download_name(image, extension="webp"),
            as_attachment=as_attachment,
        )
    if variant != ORIGINAL:
        raise ValueError(f"Unknown image variant {variant!r}")
    return files.file_response(
        request,
        name=image.file_name,
        content_type=image.mime_type,
        etag=image.sha256,
        filename=image_download_name(image),
        as_attachment=as_attachment,
    )


def images_zip_response(*, images: list[Image], filename: str) -> StreamingHttpResponse:
    """A streamed ZIP of the originals, each named like its single download."""
    entries = [(image.file_name, image_download_name(image), image.byte_size) for image in images]
    return files.zip_response(entries=entries, filename=filename)


def recipe_response(*, image: Image, recipe: dict) -> HttpResponse:
    """The recipe sidecar as a JSON download named after the image (`…-a-red-fox.json`)."""
    response = HttpResponse(
        json.dumps(recipe, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{image_download_name(image, extension="json")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = files.FILE_CSP
    response["Cache-Control"] = "private, no-cache"
    return response
