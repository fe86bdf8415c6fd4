"""Every response that carries stored bytes: originals, thumbnails, ZIPs and recipes, for the gallery and
for share links alike, after the caller has decided the viewer may see them (the gallery's selectors, or a
share link's token check).

Every served byte gets the same headers: the stored Content-Type, nosniff, a sandboxing CSP, an ETag
from the content hash and immutable caching (names are content hashes), unless the caller asks for less.
"""

import json
import logging

from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils import timezone
from zipstream import ZipStream

from core import image_formats
from gallery import files
from gallery.models import Image

logger = logging.getLogger("easel.gallery")

ORIGINAL, THUMBNAIL, DISPLAY = "original", "thumbnail", "display"
VARIANTS = (ORIGINAL, THUMBNAIL)  # the gallery's URLs; DISPLAY is served only to share links
# Served files can never run script or be framed, whatever their bytes say.
FILE_CSP = "default-src 'none'; sandbox"
IMMUTABLE = "private, max-age=31536000, immutable"


def image_download_name(image: Image, *, extension: str | None = None, with_prompt: bool = True) -> str:
    """`2026-11-27-a-red-fox-in-the-snow.png`, from the image's date and (unless hidden) its prompt."""
    return files.download_filename(
        created_at=timezone.localtime(image.created_at),
        prompt=image.prompt if with_prompt else "",
        extension=extension or image_formats.EXTENSIONS.get(image.format, "bin"),
    )


def image_file_response(
    request,
    *,
    image: Image,
    variant: str,
    as_attachment: bool = False,
    with_prompt: bool = True,
    cache_control: str = IMMUTABLE,
) -> HttpResponse:
    """The original (unchanged bytes), the WebP thumbnail, or the display copy (which the caller has made
    with gallery.services.display_copy_ensure). The ETag is the content hash: names never change."""
    if variant == DISPLAY:
        return file_response(
            request,
            name=files.display_name(sha256=image.sha256),
            content_type=files.DISPLAY_MIME,
            etag=f"{image.sha256}-display",
            filename=image_download_name(image, extension="webp", with_prompt=with_prompt),
            as_attachment=as_attachment,
            cache_control=cache_control,
        )
    if variant == THUMBNAIL:
        return file_response(
            request,
            name=image.thumbnail_name,
            content_type=files.THUMBNAIL_MIME,
            etag=f"{image.sha256}-thumbnail",
            filename=image_download_name(image, extension="webp", with_prompt=with_prompt),
            as_attachment=as_attachment,
            cache_control=cache_control,
        )
    if variant != ORIGINAL:
        raise ValueError(f"Unknown image variant {variant!r}")
    return file_response(
        request,
        name=image.file_name,
        content_type=image.mime_type,
        etag=image.sha256,
        filename=image_download_name(image, with_prompt=with_prompt),
        as_attachment=as_attachment,
        cache_control=cache_control,
    )


def images_zip_response(
    *, images: list[Image], filename: str, with_prompt: bool = True
) -> StreamingHttpResponse:
    """A streamed ZIP of the originals, each named like its single download."""
    entries = [
        (image.file_name, image_download_name(image, with_prompt=with_prompt), image.byte_size)
        for image in images
    ]
    return zip_response(entries=entries, filename=filename)


def recipe_response(*, image: Image, recipe: dict) -> HttpResponse:
    """The recipe sidecar as a JSON download named after the image (`…-a-red-fox.json`)."""
    response = HttpResponse(
        json.dumps(recipe, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{image_download_name(image, extension="json")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-cache"
    return response


def file_response(
    request,
    *,
    name: str,
    content_type: str,
    etag: str,
    filename: str,
    as_attachment: bool = False,
    cache_control: str = IMMUTABLE,
) -> HttpResponse:
    """Serve a stored file after the caller has checked the viewer may see it.

    With EASEL_MEDIA_ACCEL_PREFIX, nginx streams the bytes (X-Accel-Redirect); otherwise Easel streams
    them itself, from disk or from object storage alike. Never a redirect to a signed URL: the browser
    would leave the pages' CSP (img-src 'self'), lose these headers, and keep a URL that outlives a
    revoked share link (docs/benchmarks.md measures what streaming costs).
    """
    quoted_etag = f'"{etag}"'
    if quoted_etag in _if_none_match(request):
        response = HttpResponseNotModified()
    elif settings.MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + name
    else:
        try:
            stream, size = files.open_stream(name=name)
        except files.STORAGE_ERRORS:
            logger.warning("The media storage did not answer for %s", name, exc_info=True)
            return storage_unavailable_response()
        response = FileResponse(stream, content_type=content_type)
        response["Content-Length"] = str(size)
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = cache_control
    response["ETag"] = quoted_etag
    return response


def storage_unavailable_response() -> HttpResponse:
    """503 when the bucket does not answer within its timeouts: the page around the picture still
    shows, without it, and the browser may ask again later."""
    response = HttpResponse(
        "The image storage is not answering; try again in a minute.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response


def _if_none_match(request) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def zip_response(*, entries: list[tuple[str, str, int]], filename: str) -> StreamingHttpResponse:
    """Stream a ZIP of stored files: `entries` are (storage name, name in the archive, size).

    Files are read chunk by chunk as the client downloads; the archive is never held in memory.
    Images are already compressed, so entries are stored, which also gives an exact Content-Length.
    """
    archive = ZipStream(sized=True)
    seen: set[str] = set()
    for name, arcname, size in entries:
        arcname = _unique_arcname(arcname, seen)
        archive.add(files.iter_chunks(name=name), arcname, size=size)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _unique_arcname(arcname: str, seen: set[str]) -> str:
    stem, dot, extension = arcname.rpartition(".")
    candidate, n = arcname, 1
    while candidate in seen:
        n += 1
        candidate = f"{stem}-{n}{dot}{extension}" if dot else f"{arcname}-{n}"
    seen.add(candidate)
    return candidate
