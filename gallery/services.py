"""Writes to the gallery. Reads live in selectors.py."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from gallery import files
from gallery.models import Image
from imagegen import catalog


@dataclass(frozen=True)
class StoredImageFiles:
    sha256: str
    file_name: str
    thumbnail_name: str
    byte_size: int
    thumbnail_width: int
    thumbnail_height: int
    created_names: tuple[str, ...]  # the files this call wrote (others already existed)


def image_files_store(*, data: bytes, image_format: str) -> StoredImageFiles:
    """Write the original (unchanged) and its WebP thumbnail, before any row points at them.

    If anything fails, files written by this call are removed again, so nothing is left behind.
    """
    sha256 = files.sha256_hex(data)
    file_name = files.original_name(sha256=sha256, image_format=image_format)
    thumbnail_name = files.thumbnail_name(sha256=sha256)
    created: list[str] = []
    try:
        thumbnail = files.make_thumbnail(data)
        if files.write_file(name=file_name, data=data):
            created.append(file_name)
        if files.write_file(name=thumbnail_name, data=thumbnail.data):
            created.append(thumbnail_name)
    except BaseException:
        for name in created:
            files.delete_file(name=name)
        raise
    return StoredImageFiles(
        sha256=sha256,
        file_name=file_name,
        thumbnail_name=thumbnail_name,
        byte_size=len(data),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
        created_names=tuple(created),
    )


def image_files_discard(*, stored: StoredImageFiles) -> None:
    """Undo image_files_store after the row could not be saved: remove what it wrote, unless a row uses it."""
    for name in stored.created_names:
        in_use = (
            Image.objects.filter(file_name=name).exists()
            or Image.objects.filter(thumbnail_name=name).exists()
        )
        if not in_use:
            files.delete_file(name=name)


def image_create(
    *,
    owner,
    stored: StoredImageFiles,
    mime_type: str,
    image_format: str,
    width: int,
    height: int,
    prompt: str,
    model_slug: str,
    model_name: str = "",
    generation=None,
    index: int = 0,
    aspect_ratio: str = "",
    image_size: str = "",
    provider: str = "",
    openrouter_generation_id: str = "",
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    image_tokens: int | None = None,
    cost_usd: Decimal | None = None,
    latency_ms: int | None = None,
    model_text: str = "",
) -> Image:
    """The row for files already stored by image_files_store. Call inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("image_create must run inside the transaction that records the generation")
    return Image.objects.create(
        owner=owner,
        generation=generation,
        index=index,
        file_name=stored.file_name,
        thumbnail_name=stored.thumbnail_name,
        sha256=stored.sha256,
        mime_type=mime_type,
        format=image_format,
        width=width,
        height=height,
        byte_size=stored.byte_size,
        thumbnail_width=stored.thumbnail_width,
        thumbnail_height=stored.thumbnail_height,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        aspect_matches=catalog.aspect_matches(aspect_ratio, width, height) if aspect_ratio else True,
        prompt=prompt,
        model_slug=model_slug,
        model_name=model_name,
        provider=provider,
        openrouter_generation_id=openrouter_generation_id,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        image_tokens=image_tokens,
        cost_usd=cost_usd,
        latency_ms=latency_ms,
        model_text=model_text,
    )
