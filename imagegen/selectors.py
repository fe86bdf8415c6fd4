"""Reads for image generation."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from gallery.models import Image
from gallery.selectors import image_get_visible, images_in_gallery
from imagegen.models import Generation, ImageModel

RECENT_GENERATIONS = 12
PICK_CANDIDATES = 12


def models_selectable() -> QuerySet[ImageModel]:
    return ImageModel.objects.filter(enabled=True, missing_upstream=False).order_by("sort_order", "name")


def generations_with_images() -> QuerySet[Generation]:
    # retry_count keys the card's "Try again" form (a double-click retries once), without a query per card.
    # A subquery per listed row, not a join and GROUP BY: grouping would read every generation the member
    # ever made before the ORDER BY … LIMIT could use its index (141 ms a page at 20,000 generations).
    retries = (
        Generation.objects.filter(retry_of=OuterRef("pk"))
        .order_by()
        .values("retry_of")
        .annotate(count=Count("pk"))
        .values("count")
    )
    generations = Generation.objects.select_related("model").annotate(
        retry_count=Coalesce(Subquery(retries), 0)
    )
    return generations.prefetch_related(
        Prefetch(
            "images",
            queryset=Image.objects.filter(trashed_at__isnull=True)
            .only(
                "pk",
                "generation_id",
                "width",
                "height",
                "thumbnail_width",
                "thumbnail_height",
                "cost_usd",
                "latency_ms",
                "index",
            )
            .order_by("index", "id"),
        )
    )


# A card shows only its model's name; the prices and JSON columns would be decoded for nothing.
_MODEL_COLUMNS_CARDS_SKIP = [
    f"model__{field.name}" for field in ImageModel._meta.concrete_fields if field.name not in ("id", "name")
]


def generation_list_recent(*, member, limit: int = RECENT_GENERATIONS) -> list[Generation]:
    generations = generations_with_images().defer(*_MODEL_COLUMNS_CARDS_SKIP).filter(member=member)
    return list(generations.order_by("-created_at", "-id")[:limit])


def _generations_visible_to(viewer) -> QuerySet[Generation]:
    """A member sees their own generations; staff see everyone's."""
    generations = generations_with_images()
    return generations if viewer.is_staff else generations.filter(member=viewer)


MAX_LIVE_CARDS = 50


def generations_by_ids(*, viewer, ids: list[str]) -> list[Generation]:
    """The viewer's generations among `ids` (as sent by a page; anything not a number is ignored)."""
    wanted = {int(pk) for pk in ids[:MAX_LIVE_CARDS] if pk.isascii() and pk.isdigit() and len(pk) < 19}
    if not wanted:
        return []
    generations = _generations_visible_to(viewer).filter(pk__in=wanted)
    return list(generations.order_by("-created_at", "-id"))


def generation_get(*, viewer, pk: int) -> Generation:
    """A generation its member (or staff) may see; anyone else gets the same 404 as an unknown id."""
    try:
        return _generations_visible_to(viewer).get(pk=pk)
    except Generation.DoesNotExist:
        raise Http404("No such generation") from None


def reference_candidates(*, viewer, include: Image | None = None) -> QuerySet[Image]:
    """Recent team images offered as references (plus the one being edited, however old)."""
    gallery = images_in_gallery(viewer=viewer)
    # Lazy (a subquery): a submission without picks never runs it, and a page runs it once.
    recent = Q(pk__in=gallery.order_by("-created_at", "-id").values("pk")[:PICK_CANDIDATES])
    if include is not None:
        recent |= Q(pk=include.pk)
    return (
        gallery.filter(recent)
        .only("pk", "prompt", "thumbnail_width", "thumbnail_height", "created_at")
        .order_by("-created_at", "-id")
    )


def image_for_remix(*, viewer, pk) -> Image | None:
    """The gallery image named by ?remix= or ?edit=, if the viewer may see it (else the form starts empty)."""
    if not pk:
        return None
    try:
        return image_get_visible(viewer=viewer, pk=pk, allow_trashed=False)
    except Http404:
        return None
