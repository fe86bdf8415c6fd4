"""Reads for share links. Writes live in services.py."""

from datetime import datetime

from django.db.models import BigIntegerField, Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from core.tokens import looks_like_token, token_hash
from gallery.models import Collection, CollectionItem, Image
from sharing.models import ShareLink, ShareVisit


class CannotShare(Exception):
    """The member can't share what they asked for; `message` tells them why, `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


# --- Public side: what a token opens ------------------------------------------------------------------
def link_for_token(*, token: str, now: datetime | None = None) -> ShareLink | None:
    """The link the token opens, or None when it opens nothing.

    Unknown, expired, revoked, pointing at a trashed image or a deleted collection, or made by a member who
    was deactivated: all are ruled out by one query, so every failure looks and takes the same.
    """
    if not looks_like_token(token):
        return None
    now = now or timezone.now()
    return (
        ShareLink.objects.select_related("image", "collection")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, created_by__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(
            Q(kind=ShareLink.Kind.IMAGE, image__isnull=False, image__trashed_at__isnull=True)
            | Q(kind=ShareLink.Kind.COLLECTION, collection__isnull=False)
        )
        .first()
    )


def link_images(*, link: ShareLink) -> QuerySet[Image]:
    """What the link shows: its image, or its collection's images not in the trash."""
    if link.kind == ShareLink.Kind.IMAGE:
        return Image.objects.filter(pk=link.image_id, trashed_at__isnull=True)
    return collection_images(collection_id=link.collection_id)


def collection_images(*, collection_id: int) -> QuerySet[Image]:
    """A collection's images that are not in the trash, the latest addition first."""
    return Image.objects.filter(
        collection_items__collection_id=collection_id, trashed_at__isnull=True
    ).order_by("-collection_items__added_at", "-collection_items__id")


def link_image(*, link: ShareLink, image_id: int) -> Image | None:
    return link_images(link=link).filter(pk=image_id).first()


def link_neighbours(*, link: ShareLink, image_id: int) -> tuple[int | None, int | None, int, int]:
    """(previous id, next id, position from 1, count) of an image within what the link shows."""
    ids = list(link_images(link=link).values_list("pk", flat=True))
    position = ids.index(image_id)
    previous_id = ids[position - 1] if position > 0 else None
    next_id = ids[position + 1] if position + 1 < len(ids) else None
    return previous_id, next_id, position + 1, len(ids)


# --- Member side --------------------------------------------------------------------------------------
def links_for_member(*, member, with_preview: bool = False) -> QuerySet[ShareLink]:
    """A member's own links; staff see everyone's. `with_preview` adds `preview_image_id` (see below)."""
    links = ShareLink.objects.select_related("image", "collection", "created_by")
    if with_preview:
        newest_in_collection = (
            CollectionItem.objects.filter(
                collection_id=OuterRef("collection_id"), image__trashed_at__isnull=True
            )
            .order_by("-added_at", "-id")
            .values("image_id")[:1]
        )
        links = links.annotate(
            preview_image_id=Case(
                When(kind=ShareLink.Kind.IMAGE, then=F("image_id")),
                default=Subquery(newest_in_collection),
                output_field=BigIntegerField(),
            )
        )
    return links if member.is_staff else links.filter(created_by=member)


def link_for_member(*, member, pk: int) -> ShareLink | None:
    return links_for_member(member=member).filter(pk=pk).first()


def link_preview_image(*, link: ShareLink) -> Image | None:
    """The picture that stands for a link in the owner's list: its image, or its collection's newest."""
    if link.kind == ShareLink.Kind.IMAGE:
        return link.image
    return link.collection and target_preview_image(target=link.collection)


def target_preview_image(*, target: Image | Collection) -> Image | None:
    if isinstance(target, Image):
        return target
    return collection_images(collection_id=target.pk).first()


def link_recent_visits(*, link: ShareLink) -> QuerySet[ShareVisit]:
    return link.visits.all()


def share_target(*, member, image_id: str | None, collection_id: str | None) -> Image | Collection:
    """What `?image=` or `?collection=` names, if this member may share it.

    A member shares what they own; staff share anything. Something the member can't see answers like
    something that doesn't exist (a trashed image is visible only to its owner and staff).
    """
    if bool(image_id) == bool(collection_id):
        raise CannotShare(
            "Open Share from an image or a collection: the address must name exactly one of them.",
            status=400,
        )
    if image_id:
        image = Image.objects.select_related("owner").filter(pk=_as_id(image_id)).first()
        visible = image is not None and (
            image.trashed_at is None or member.is_staff or image.owner_id == member.pk
        )
        if not visible:
            raise CannotShare(f"There is no image {image_id} in the gallery.", status=404)
        _check_may_share(member=member, owner=image.owner, what="image")
        if image.trashed_at is not None:
            raise CannotShare(
                "This image is in the trash. Restore it first if you want to share it.", status=409
            )
        return image
    collection = Collection.objects.select_related("owner").filter(pk=_as_id(collection_id)).first()
    if collection is None:
        raise CannotShare(f"There is no collection {collection_id}.", status=404)
    _check_may_share(member=member, owner=collection.owner, what="collection")
    return collection


def _check_may_share(*, member, owner, what: str) -> None:
    if not member.is_staff and owner.pk != member.pk:
        raise CannotShare(
            f"Only {owner.get_username()}, who owns this {what}, or an admin can share it.", status=403
        )


def _as_id(raw: str) -> int:
    """A positive database id, or 0 (which matches nothing) for anything else."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
