"""Reads for share links. Writes live in services.py."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BigIntegerField, Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from compare.models import Board
from compare.selectors import board_images, boards_visible_to
from core.ids import parse_id
from core.tokens import looks_like_token, token_hash
from gallery.models import Collection, CollectionItem, Image
from sharing import throttles
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
        ShareLink.objects.select_related("image", "collection", "board", "created_by")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, created_by__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(
            Q(kind=ShareLink.Kind.IMAGE, image__isnull=False, image__trashed_at__isnull=True)
            | Q(kind=ShareLink.Kind.COLLECTION, collection__isnull=False)
            | Q(kind=ShareLink.Kind.BOARD, board__isnull=False)
        )
        .first()
    )


def link_images(*, link: ShareLink) -> QuerySet[Image]:
    """What the link shows: its image, or its collection's images not in the trash, and of those only the
    ones its creator may share at this moment (their own; staff: anyone's).

    Every public address of a link (page, item, original, thumbnail, download, ZIP, link previews) reads
    its images here and nowhere else, so a collection holding another member's image can't publish it.
    """
    if link.kind == ShareLink.Kind.IMAGE:
        images = Image.objects.filter(pk=link.image_id, trashed_at__isnull=True)
    elif link.kind == ShareLink.Kind.BOARD:
        images = board_images(board_id=link.board_id)
    else:
        images = collection_images(collection_id=link.collection_id)
    return shareable_by(images, creator=link.created_by)


def shareable_by(images: QuerySet[Image], *, creator) -> QuerySet[Image]:
    """The images among `images` that `creator` may share: their own, or any for staff."""
    return images if creator.is_staff else images.filter(owner_id=creator.pk)


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
    links = ShareLink.objects.select_related("image", "collection", "board", "created_by")
    if with_preview:
        # The newest image the link shows (see link_images): any, for a staff member's link.
        newest_in_collection = CollectionItem.objects.filter(
            collection_id=OuterRef("collection_id"), image__trashed_at__isnull=True
        ).order_by("-added_at", "-id")
        newest_own = newest_in_collection.filter(image__owner_id=OuterRef("created_by_id"))
        # A board's images are its maker's own, so its link shows them all (not in the trash).
        newest_on_board = Image.objects.filter(
            generation__board_cell__board_id=OuterRef("board_id"), trashed_at__isnull=True
        ).order_by("generation__board_cell__position", "index", "id")
        links = links.annotate(
            preview_image_id=Case(
                When(kind=ShareLink.Kind.IMAGE, then=F("image_id")),
                When(kind=ShareLink.Kind.BOARD, then=Subquery(newest_on_board.values("pk")[:1])),
                When(created_by__is_staff=True, then=Subquery(newest_in_collection.values("image_id")[:1])),
                default=Subquery(newest_own.values("image_id")[:1]),
                output_field=BigIntegerField(),
            )
        )
    return links if member.is_staff else links.filter(created_by=member)


def link_for_member(*, member, pk: int) -> ShareLink | None:
    return links_for_member(member=member).filter(pk=pk).first()


def link_preview_image(*, link: ShareLink) -> Image | None:
    """The picture that stands for a link in the owner's list: its image, or the newest its collection
    link shows."""
    if link.kind == ShareLink.Kind.IMAGE:
        return link.image
    return link.target and link_images(link=link).first()


def target_preview_image(*, member, target: Image | Collection | Board) -> Image | None:
    if isinstance(target, Image):
        return target
    if isinstance(target, Board):
        return shareable_by(board_images(board_id=target.pk), creator=member).first()
    return shareable_by(collection_images(collection_id=target.pk), creator=member).first()


@dataclass(frozen=True)
class CollectionShareCounts:
    shown: int
    left_out: int  # other members' images, which a link made by this member does not show


def collection_share_counts(*, member, collection: Collection) -> CollectionShareCounts:
    images = collection_images(collection_id=collection.pk)
    total = images.count()
    shown = total if member.is_staff else shareable_by(images, creator=member).count()
    return CollectionShareCounts(shown=shown, left_out=total - shown)


def links_showing_image(*, image: Image) -> QuerySet[ShareLink]:
    """Every link that shows this image, for its owner to see: links to the image itself, and links to
    collections holding it that may show it (made by its owner or by staff). Revoked links show nothing;
    expired ones are listed, since extending them would show it again."""
    return (
        ShareLink.objects.select_related("created_by", "collection")
        .filter(revoked_at__isnull=True, created_by__is_active=True)
        .filter(
            Q(kind=ShareLink.Kind.IMAGE, image=image)
            | Q(kind=ShareLink.Kind.COLLECTION, collection__items__image=image)
            | Q(kind=ShareLink.Kind.BOARD, board__cells__generation__images=image)
        )
        .filter(Q(created_by_id=image.owner_id) | Q(created_by__is_staff=True))
        .distinct()
        .order_by("-created_at", "-id")
    )


def link_password_wait(*, link: ShareLink) -> int:
    """Seconds until the link takes passwords again after too many wrong ones from all addresses
    together (0: it takes them now). Its owner sees this on the link's page."""
    if not link.has_password:
        return 0
    return throttles.check(throttles.password_attempts_per_link(), key=str(link.pk)).retry_after


def link_recent_visits(*, link: ShareLink) -> QuerySet[ShareVisit]:
    return link.visits.all()


def share_target(
    *, member, image_id: str | None, collection_id: str | None, board_id: str | None = None
) -> Image | Collection | Board:
    """What `?image=`, `?collection=` or `?board=` names, if this member may share it.

    A member shares what they own; staff share anything. Something the member can't see answers like
    something that doesn't exist (a trashed image is visible only to its owner and staff).
    """
    if sum(bool(named) for named in (image_id, collection_id, board_id)) != 1:
        raise CannotShare(
            "Open Share from an image, a collection or a board: the address must name exactly one of them.",
            status=400,
        )
    if board_id:
        board = boards_visible_to(viewer=member).select_related("member").filter(pk=_as_id(board_id)).first()
        if board is None:
            raise CannotShare(f"There is no board {board_id}.", status=404)
        _check_may_share(member=member, owner=board.member, what="board")
        return board
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
    """A database id, or 0 (which matches nothing) for anything else."""
    return parse_id(raw) or 0
