"""Writes to the gallery. Reads, and the rules for who may do what, live in selectors.py."""

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import aspect_ratios, image_formats
from gallery import files, selectors
from gallery.credentials import NO_CREDENTIALS, ContentCredentials, read_content_credentials
from gallery.models import Collection, CollectionItem, CredentialsStatus, Favourite, Image, ImageParent
from gallery.signals import file_still_used, images_trashed

logger = logging.getLogger("easel.gallery")
PURGE_BATCH = 500


@dataclass(frozen=True)
class StoredImageFiles:
    sha256: str
    file_name: str
    thumbnail_name: str
    byte_size: int
    thumbnail_width: int
    thumbnail_height: int
    created_names: tuple[str, ...]  # the files this call wrote (others already existed)
    credentials: ContentCredentials = NO_CREDENTIALS


def image_files_store(
    *, data: bytes, image_format: str, thumbnail: files.Thumbnail | None = None
) -> StoredImageFiles:
    """Write the original (unchanged) and its WebP thumbnail, before any row points at them, and read
    the original's Content Credentials. `thumbnail`: one already made from the decoded pixels, if any.

    If anything fails, files written by this call are removed again, so nothing is left behind.
    """
    content_credentials = read_content_credentials(
        data=data, mime_type=image_formats.MIME_TYPES[image_format]
    )
    sha256 = files.sha256_hex(data)
    file_name = files.original_name(sha256=sha256, image_format=image_format)
    thumbnail_name = files.thumbnail_name(sha256=sha256)
    created: list[str] = []
    try:
        if thumbnail is None:
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
        credentials=content_credentials,
    )


def image_file_fields(*, stored: StoredImageFiles) -> dict:
    """The Image fields that describe files stored by image_files_store (for rows made in bulk, too)."""
    return {
        "file_name": stored.file_name,
        "thumbnail_name": stored.thumbnail_name,
        "sha256": stored.sha256,
        "byte_size": stored.byte_size,
        "thumbnail_width": stored.thumbnail_width,
        "thumbnail_height": stored.thumbnail_height,
        "credentials_status": stored.credentials.status,
        "credentials": stored.credentials.summary,
    }


def image_credentials_read(*, image: Image) -> Image:
    """Read the Content Credentials of an image stored before Easel read them (the original is only read)."""
    if image.credentials_status != CredentialsStatus.NOT_READ:
        return image
    try:
        data = files.read_file(name=image.file_name)
    except OSError:
        logger.warning("Image %s: its original could not be read for Content Credentials", image.pk)
        return image
    found = read_content_credentials(data=data, mime_type=image.mime_type)
    image.credentials_status, image.credentials = found.status, found.summary
    Image.objects.filter(pk=image.pk, credentials_status=CredentialsStatus.NOT_READ).update(
        credentials_status=found.status, credentials=found.summary
    )
    return image


def images_credentials_backfill(*, batch_size: int = PURGE_BATCH) -> dict[str, int]:
    """Read the Content Credentials of every image stored before Easel read them; counts by status."""
    counts: dict[str, int] = {}
    after = 0
    while batch := list(
        Image.objects.filter(credentials_status=CredentialsStatus.NOT_READ, pk__gt=after).order_by("pk")[
            :batch_size
        ]
    ):
        for image in batch:
            status = image_credentials_read(image=image).credentials_status or "file missing"
            counts[status] = counts.get(status, 0) + 1
        after = batch[-1].pk
    return counts


def image_files_discard(*, stored: StoredImageFiles) -> None:
    """Undo image_files_store after the row could not be saved: remove what it wrote, unless a row uses it."""
    for name in stored.created_names:
        if not file_in_use(name=name):
            files.delete_file(name=name)


def display_copy_ensure(*, image: Image) -> str:
    """The name of the image's display copy (files.make_display_copy), made now if it isn't there yet.

    Made once per original and kept under the original's content hash, so the next viewer gets the file;
    two viewers making it at once both write the same bytes, and the atomic rename keeps one.
    """
    name = files.display_name(sha256=image.sha256)
    if not files.file_exists(name=name):
        files.write_file(name=name, data=files.make_display_copy(files.read_file(name=image.file_name)))
    return name


def file_in_use(*, name: str) -> bool:
    """Whether any row still points at a stored file: names are content hashes, so rows share files.
    Rows of other apps answer through the `file_still_used` signal."""
    return (
        Image.objects.filter(file_name=name).exists()
        or Image.objects.filter(thumbnail_name=name).exists()
        or any(held for _receiver, held in file_still_used.send(sender=Image, name=name))
    )


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
    recipe: Mapping[str, Any] | None = None,
) -> Image:
    """The row for files already stored by image_files_store. Call inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("image_create must run inside the transaction that records the generation")
    return Image.objects.create(
        owner=owner,
        generation=generation,
        index=index,
        **image_file_fields(stored=stored),
        mime_type=mime_type,
        format=image_format,
        width=width,
        height=height,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        aspect_matches=(
            aspect_ratios.aspect_matches(aspect_ratio, width, height, image_size=image_size)
            if aspect_ratio
            else True
        ),
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
        # The recipe: api, provider_slug, seed, parameters (every one sent), reference_sha256.
        **{key: value for key, value in (recipe or {}).items() if key in RECIPE_FIELDS},
    )


RECIPE_FIELDS = frozenset({"api", "provider_slug", "seed", "parameters", "reference_sha256"})


def image_parents_record(*, child: Image, parents: Iterable[tuple[int, str]]) -> None:
    """Record what `child` was made from: (parent image id, ImageParent.Kind) pairs.

    Only older images can be parents (the table's check), so a lineage never has a cycle; a pair already
    recorded is left as it is.
    """
    links = {(parent_id, kind) for parent_id, kind in parents if parent_id < child.pk}
    ImageParent.objects.bulk_create(
        [ImageParent(child=child, parent_id=parent_id, kind=kind) for parent_id, kind in sorted(links)],
        ignore_conflicts=True,
    )


# --- Trash ------------------------------------------------------------------------------------------------
def _check_may_delete(*, actor, images: list[Image]) -> None:
    refused = [image.pk for image in images if not selectors.image_can_delete(viewer=actor, image=image)]
    if refused:
        raise PermissionDenied(f"Only the owner or staff may delete images {refused}.")


def image_trash(*, actor, images: Iterable[Image]) -> list[int]:
    """Move images to the trash (restorable for TRASH_DAYS). Returns the ids that moved.

    Share links listen to `images_trashed`, sent inside the transaction so that revoking them and
    trashing the images commit or roll back together.
    """
    with transaction.atomic():
        ids = _set_trashed(actor=actor, images=images, trashed=True)
        if ids:
            images_trashed.send(sender=Image, image_ids=ids)
    return ids


def image_restore(*, actor, images: Iterable[Image]) -> list[int]:
    """Take images out of the trash, back into the gallery (and their collections). Returns the ids."""
    with transaction.atomic():
        return _set_trashed(actor=actor, images=images, trashed=False)


def _set_trashed(*, actor, images: Iterable[Image], trashed: bool) -> list[int]:
    """Move the images that are not yet where they should be; the ids of those that moved."""
    images = list(images)
    _check_may_delete(actor=actor, images=images)
    ids = list(
        Image.objects.filter(pk__in=[image.pk for image in images], trashed_at__isnull=trashed)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Image.objects.filter(pk__in=ids).update(trashed_at=timezone.now() if trashed else None)
    return ids


def images_purge(*, image_ids: Iterable[int]) -> int:
    """Delete rows for good; their files go only after the commit, and only if no other row uses them.

    Deleting files inside the transaction would lose them if it rolled back; deleting after the commit
    at worst leaves an orphan file (if the process dies in between), never a row without its file.
    """
    ids = list(image_ids)
    with transaction.atomic():
        names, hashes = set(), set()
        for file_name, thumbnail_name, sha256 in Image.objects.filter(pk__in=ids).values_list(
            "file_name", "thumbnail_name", "sha256"
        ):
            names.update((file_name, thumbnail_name))
            hashes.add(sha256)
        deleted = Image.objects.filter(pk__in=ids).delete()[1].get(Image._meta.label, 0)
        transaction.on_commit(
            partial(_delete_unused_files, names=sorted(names), hashes=sorted(hashes)), robust=True
        )
    return deleted


def _delete_unused_files(*, names: list[str], hashes: list[str]) -> None:
    for name in names:
        if not file_in_use(name=name):
            files.delete_file(name=name)
    # A display copy belongs to the original's bytes: it goes when no image has those bytes any more.
    for sha256 in hashes:
        if not Image.objects.filter(sha256=sha256).exists():
            files.delete_file(name=files.display_name(sha256=sha256))


def trash_empty(*, actor) -> int:
    """Purge everything in the actor's trash now (staff: the whole trash). Returns how many images went."""
    trashed = selectors.images_in_trash(viewer=actor)
    return _purge_in_batches(trashed)


def trash_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Purge images trashed more than TRASH_DAYS ago (run by `manage.py purge_trash`)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.TRASH_DAYS)
    return _purge_in_batches(Image.objects.filter(trashed_at__lt=cutoff))


def _purge_in_batches(images) -> int:
    """Small transactions, so a large trash never holds a long write lock (SQLite has one writer)."""
    total = 0
    while batch := list(images.order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH]):
        total += images_purge(image_ids=batch)
    if total:
        logger.info("Purged %d images from the trash", total)
    return total


# --- Favourites -------------------------------------------------------------------------------------------
def favourite_set(*, member, image: Image, favourite: bool) -> None:
    """Star or unstar. Setting the state (rather than toggling) makes a double click harmless."""
    if favourite:
        Favourite.objects.get_or_create(member=member, image=image)
    else:
        Favourite.objects.filter(member=member, image=image).delete()


# --- Collections ------------------------------------------------------------------------------------------
def _check_may_edit(*, actor, collection: Collection) -> None:
    if not selectors.collection_can_edit(viewer=actor, collection=collection):
        raise PermissionDenied("Only the collection's owner or staff may change it.")


def collection_create(*, owner, title: str, description: str = "") -> Collection:
    return Collection.objects.create(owner=owner, title=title.strip(), description=description.strip())


def collection_update(*, actor, collection: Collection, title: str, description: str) -> Collection:
    _check_may_edit(actor=actor, collection=collection)
    collection.title = title.strip()
    collection.description = description.strip()
    collection.save(update_fields=["title", "description", "updated_at"])
    return collection


def collection_delete(*, actor, collection: Collection) -> None:
    """Delete the collection; its images stay in the gallery."""
    _check_may_edit(actor=actor, collection=collection)
    collection.delete()


def collection_add_images(*, actor, collection: Collection, images: Iterable[Image]) -> int:
    """Add images (already there: skipped). Returns how many were added."""
    _check_may_edit(actor=actor, collection=collection)
    images = list(images)
    with transaction.atomic():
        present = set(
            CollectionItem.objects.filter(collection=collection, image__in=images).values_list(
                "image_id", flat=True
            )
        )
        new_items = [
            CollectionItem(collection=collection, image=image) for image in images if image.pk not in present
        ]
        CollectionItem.objects.bulk_create(new_items, ignore_conflicts=True)
        collection.save(update_fields=["updated_at"])
    return len(new_items)


def collection_remove_images(*, actor, collection: Collection, images: Iterable[Image]) -> int:
    _check_may_edit(actor=actor, collection=collection)
    with transaction.atomic():
        removed, _ = CollectionItem.objects.filter(collection=collection, image__in=list(images)).delete()
        collection.save(update_fields=["updated_at"])
    return removed
