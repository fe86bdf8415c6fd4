"""Reads from the gallery, and the rules for who may see and change what. Writes live in services.py.

Who sees what (other apps reuse these functions rather than restating the rules):
- every signed-in member sees every image that is not in the trash;
- a trashed image is seen only by its owner (in their trash) and by staff; to anyone else, as to an
  unknown or purged id, it does not exist (404);
- members delete (trash), restore and purge their own images; staff do so for anyone's;
- every member sees every collection (one team, one gallery); only its owner and staff change one
  (rename, add or remove images, delete it), so a collection can't be reshaped under its author's feet.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from core.ids import parse_id
from gallery.models import Collection, CollectionItem, CredentialsStatus, Favourite, Image
from gallery.search import images_with_words, search_words
from gallery.serving import image_download_name

NEWEST, OLDEST = "newest", "oldest"
SORTS = {NEWEST: "Newest first", OLDEST: "Oldest first"}
MAX_SELECTION = 500


def page_size() -> int:
    return getattr(settings, "GALLERY_PAGE_SIZE", 60)


def _is_member(viewer) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_active)


# --- Images: permissions ----------------------------------------------------------------------------
def images_in_gallery(*, viewer) -> QuerySet[Image]:
    """The team's images a member browses: everything not in the trash."""
    if not _is_member(viewer):
        return Image.objects.none()
    return Image.objects.filter(trashed_at__isnull=True)


def images_in_trash(*, viewer) -> QuerySet[Image]:
    """The viewer's own trashed images; staff see everyone's trash."""
    if not _is_member(viewer):
        return Image.objects.none()
    trashed = Image.objects.filter(trashed_at__isnull=False)
    return trashed if viewer.is_staff else trashed.filter(owner=viewer)


def images_visible_to(*, viewer) -> QuerySet[Image]:
    """Every image the viewer may open: the gallery plus the trash they are allowed to see."""
    if not _is_member(viewer):
        return Image.objects.none()
    if viewer.is_staff:
        return Image.objects.all()
    return Image.objects.filter(Q(trashed_at__isnull=True) | Q(owner=viewer))


def image_get_visible(*, viewer, pk, allow_trashed: bool = True) -> Image:
    """The image, or Http404 when it is unknown, purged, or in someone else's trash.

    `allow_trashed=False` also hides the viewer's own trash: for actions on gallery images (sharing).
    """
    images = images_visible_to(viewer=viewer) if allow_trashed else images_in_gallery(viewer=viewer)
    image = images.select_related("owner").filter(pk=_id_or_404(pk)).first()
    if image is None:
        raise Http404("No such image.")
    return image


def _id_or_404(pk) -> int:
    """Ids may come from a query string (`?image=…` on another app's page): anything but an id is 404."""
    checked = parse_id(pk)
    if checked is None:
        raise Http404("No such id.")
    return checked


def image_can_delete(*, viewer, image: Image) -> bool:
    return _is_member(viewer) and (viewer.is_staff or image.owner_id == viewer.pk)


def image_is_favourite(*, viewer, image: Image) -> bool:
    return Favourite.objects.filter(member=viewer, image=image).exists()


def images_selected(*, viewer, ids) -> list[Image]:
    """The gallery images among `ids` (unknown and trashed ones dropped), newest first."""
    wanted = [pk for pk in map(parse_id, list(ids)[:MAX_SELECTION]) if pk is not None]
    return list(images_in_gallery(viewer=viewer).filter(pk__in=wanted))


# --- Browsing: search, filters, keyset pagination -----------------------------------------------------
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the (created_at, id) of its last image. Deep pages cost the same as the first."""

    created_at: dt.datetime
    id: int

    @classmethod
    def of(cls, image: Image) -> "Cursor":
        return cls(created_at=image.created_at, id=image.pk)

    def encode(self) -> str:
        delta = self.created_at - _EPOCH  # exact microseconds: a float timestamp could round
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}-{self.id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Raises ValueError for anything encode() could not have written."""
        micros, _, pk = text.partition("-")
        if not (micros.isascii() and micros.isdigit() and parse_id(pk) is not None):
            raise ValueError(text)
        return cls(created_at=_EPOCH + dt.timedelta(microseconds=int(micros)), id=int(pk))


@dataclass(frozen=True)
class GalleryQuery:
    """One view of the gallery: a search and filters. It lives in the URL (see params()), so it can be shared."""

    text: str = ""
    model: str = ""
    member: str = ""
    aspect_ratio: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    favourites: bool = False
    mine: bool = False
    credentials: bool = False
    sort: str = NEWEST
    collection_id: int | None = None

    def params(self, *, with_collection: bool = True) -> dict[str, str]:
        """The URL parameters for this view, leaving out defaults: short, canonical links."""
        values: dict[str, Any] = {
            "q": self.text.strip(),
            "model": self.model,
            "member": self.member,
            "ratio": self.aspect_ratio,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "favourites": "1" if self.favourites else "",
            "mine": "1" if self.mine else "",
            "credentials": "1" if self.credentials else "",
            "sort": "" if self.sort == NEWEST else self.sort,
            "collection": self.collection_id if with_collection and self.collection_id else "",
        }
        return {key: str(value) for key, value in values.items() if value}

    @property
    def narrows(self) -> bool:
        """Whether a search or filter hides some of the images (the sort and the collection don't)."""
        return bool(self.params(with_collection=False).keys() - {"sort"})

    @property
    def ascending(self) -> bool:
        return self.sort == OLDEST

    @property
    def ordering(self) -> tuple[str, str]:
        return ("created_at", "id") if self.ascending else ("-created_at", "-id")

    def reversed(self) -> "GalleryQuery":
        return replace(self, sort=NEWEST if self.ascending else OLDEST)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def images_matching(*, viewer, query: GalleryQuery) -> QuerySet[Image]:
    """The gallery images in a view, unordered. Each filter is one indexed condition."""
    images = images_in_gallery(viewer=viewer)
    if words := search_words(query.text):
        images = images_with_words(images, words, within=_within)
    if query.model:
        images = images.filter(model_slug=query.model)
    if query.member:
        images = images.filter(owner__username=query.member)
    if query.mine:
        images = images.filter(owner=viewer)
    if query.aspect_ratio:
        images = images.filter(aspect_ratio=query.aspect_ratio)
    if query.credentials:
        # An unreadable manifest is still one the file carries (its page says it can't be read).
        images = images.filter(
            credentials_status__in=[CredentialsStatus.PRESENT, CredentialsStatus.UNREADABLE]
        )
    if query.date_from:
        images = images.filter(created_at__gte=_start_of(query.date_from))
    if query.date_to:
        images = images.filter(created_at__lt=_start_of(query.date_to + dt.timedelta(days=1)))
    if query.favourites:
        images = _within(images, *_sql(Favourite.objects.filter(member=viewer).values("image_id")))
    if query.collection_id:
        images = _within(
            images, *_sql(CollectionItem.objects.filter(collection_id=query.collection_id).values("image_id"))
        )
    return images


# SQLite plans `id IN (set)` by fetching every member of the set by id and sorting them all: right for a
# few hundred, slow for tens of thousands (a common word, a big collection). For a large set, `id + 0`
# hides the id from the planner, so it walks the date index in page order and stops after one page,
# checking each row against the set. PostgreSQL's planner has statistics and chooses well by itself.
LARGE_SET = 1000


def _within(images: QuerySet[Image], sql: str, params) -> QuerySet[Image]:
    """Images whose id is among those `sql` selects."""
    ids = RawSQL(sql, params)  # noqa: S611 - SQL built by the ORM or gallery.search, input in params
    if connection.vendor == "sqlite" and _has_at_least(sql, params, LARGE_SET):
        return images.alias(unindexed_id=F("id") + 0).filter(unindexed_id__in=ids)
    return images.filter(id__in=ids)


def _has_at_least(sql: str, params, count: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT {int(count)})", params)  # noqa: S608 - see _within
        return cursor.fetchone()[0] >= count


def _sql(queryset: QuerySet) -> tuple[str, list]:
    """A subquery's SQL, without the model's default ordering (which would make SQLite sort the set)."""
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def _beyond(cursor: Cursor, *, ascending: bool) -> Q:
    """Rows after `cursor` in the sort order. The redundant bound on created_at alone lets the database
    seek straight to the cursor in its (created_at, id) index instead of filtering from the top."""
    if ascending:
        return Q(created_at__gte=cursor.created_at) & (
            Q(created_at__gt=cursor.created_at) | Q(id__gt=cursor.id)
        )
    return Q(created_at__lte=cursor.created_at) & (Q(created_at__lt=cursor.created_at) | Q(id__lt=cursor.id))


def _view_order(query: GalleryQuery) -> tuple:
    """The sort. PostgreSQL sorts a hand-picked set (favourites, a collection) by an expression no index
    serves, so it reads the set by id rather than walk the date index past every newer image (400 ms)."""
    if connection.vendor != "postgresql" or not (query.favourites or query.collection_id):
        return query.ordering
    created = F("created_at") + dt.timedelta(0)
    return (created.asc(), "id") if query.ascending else (created.desc(), "-id")


def _favourite_flag(*, viewer) -> Exists:
    return Exists(Favourite.objects.filter(member=viewer, image=OuterRef("pk")))


@dataclass(slots=True)
class Tile:
    """What a grid tile shows, read as plain values: several times cheaper than loading Image objects,
    which matters at 60 tiles a page. The view adds the URLs and the shortened prompt."""

    id: int
    prompt: str
    model: str
    member: str
    thumbnail_width: int
    thumbnail_height: int
    is_favourite: bool
    detail_url: str = ""
    thumbnail_url: str = ""
    favourite_url: str = ""
    prompt_start: str = ""
    thumbnail_html: str = ""
    can_delete: bool = False  # the viewer's own image, or the viewer is staff (set by the view)

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class ImagePage:
    tiles: list[Tile]
    next_cursor: Cursor | None
    query: GalleryQuery = field(default_factory=GalleryQuery)


def image_page(
    *, viewer, query: GalleryQuery, cursor: Cursor | None = None, size: int | None = None
) -> ImagePage:
    """One page of a view in two queries, whatever the page size or depth (keyset, not OFFSET).

    The first finds the page's ids, sorting only (created_at, id); the second reads those rows with their
    member and the viewer's star. Reading everything in one query would compute the star and the join
    for every match before the sort, which costs tens of ms for a common search word.
    """
    size = size or page_size()
    images = images_matching(viewer=viewer, query=query)
    if cursor is not None:
        images = images.filter(_beyond(cursor, ascending=query.ascending))
    keys = list(images.order_by(*_view_order(query)).values_list("id", "created_at")[: size + 1])
    next_cursor = Cursor(id=keys[size - 1][0], created_at=keys[size - 1][1]) if len(keys) > size else None
    ids = [pk for pk, _ in keys[:size]]
    rows = Image.objects.filter(pk__in=ids).values_list(
        "id",
        "prompt",
        "model_name",
        "model_slug",
        "owner__username",
        "thumbnail_width",
        "thumbnail_height",
        _favourite_flag(viewer=viewer),
    )
    tiles = {
        pk: Tile(pk, prompt, name or slug, member, width, height, favourite)
        for pk, prompt, name, slug, member, width, height, favourite in rows
    }
    # An image purged between the two queries is simply left out.
    return ImagePage(tiles=[tiles[pk] for pk in ids if pk in tiles], next_cursor=next_cursor, query=query)


def image_neighbours(*, viewer, query: GalleryQuery, image: Image) -> tuple[int | None, int | None]:
    """The ids of the images before and after `image` in a view (for ← and → on the image page)."""
    here = Cursor.of(image)
    matching = images_matching(viewer=viewer, query=query).values_list("id", flat=True)
    following, preceding = (
        matching.filter(_beyond(here, ascending=view.ascending)).order_by(*_view_order(view)).first()
        for view in (query, query.reversed())
    )
    return preceding, following


def model_choices() -> list[tuple[str, str]]:
    """(slug, name) of every model that made an image, in one query; the name is the one its newest image
    recorded (as the tiles show it), so a model since removed from the allowlist keeps its name.

    A recursive query hops from one distinct slug to the next through the model index, so it reads a
    handful of index entries instead of scanning every image row (DISTINCT would, on 100k images).
    """
    sql = """
        WITH RECURSIVE slugs(slug) AS (
            SELECT MIN(model_slug) FROM gallery_image
            UNION ALL
            SELECT (SELECT MIN(model_slug) FROM gallery_image WHERE model_slug > slugs.slug)
            FROM slugs WHERE slugs.slug IS NOT NULL
        )
        SELECT slugs.slug, (
            SELECT model_name FROM gallery_image WHERE model_slug = slugs.slug
            ORDER BY created_at DESC, id DESC LIMIT 1
        )
        FROM slugs
        WHERE slugs.slug IS NOT NULL
        ORDER BY slugs.slug
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(slug, name or slug) for slug, name in cursor.fetchall()]


def member_choices() -> list[str]:
    return list(get_user_model().objects.order_by("username").values_list("username", flat=True))


# --- Collections ----------------------------------------------------------------------------------------
def collections_visible_to(*, viewer) -> QuerySet[Collection]:
    """Every collection: one team, one gallery."""
    if not _is_member(viewer):
        return Collection.objects.none()
    return Collection.objects.select_related("owner")


def _items_in_gallery(collection) -> QuerySet[CollectionItem]:
    """A collection's items whose image is not in the trash. "Not among the trashed" reads the small trash
    through its partial index; joining every item to its image let SQLite choose to scan all images."""
    trashed = Image.objects.filter(trashed_at__isnull=False).values("id")
    return CollectionItem.objects.filter(collection=collection).exclude(image_id__in=trashed).order_by()


def collections_with_covers(*, viewer) -> list[Collection]:
    """Every collection with `image_count` (gallery images in it) and `cover` (the one added last, or None).

    Both are correlated subqueries, not a join and GROUP BY over every item, and covers are loaded in one
    more query: three queries for any number of collections.
    """
    in_gallery = _items_in_gallery(OuterRef("pk"))
    collections = list(
        collections_visible_to(viewer=viewer).annotate(
            image_count=Subquery(in_gallery.values("collection").annotate(n=Count("pk")).values("n")),
            cover_id=Subquery(in_gallery.order_by("-added_at", "-id").values("image_id")[:1]),
        )
    )
    covers = Image.objects.in_bulk([c.cover_id for c in collections if c.cover_id])
    for collection in collections:
        collection.image_count = collection.image_count or 0
        collection.cover = covers.get(collection.cover_id)
    return collections


def collection_get_visible(*, viewer, pk) -> Collection:
    """The collection, with `image_count`; Http404 when there is none."""
    collection = collections_visible_to(viewer=viewer).filter(pk=_id_or_404(pk)).first()
    if collection is None:
        raise Http404("No such collection.")
    collection.image_count = _items_in_gallery(collection).count()
    return collection


def collection_can_edit(*, viewer, collection: Collection) -> bool:
    return _is_member(viewer) and (viewer.is_staff or collection.owner_id == viewer.pk)


def collections_editable_by(*, viewer) -> QuerySet[Collection]:
    if not _is_member(viewer):
        return Collection.objects.none()
    collections = Collection.objects.order_by("title", "id")
    return collections if viewer.is_staff else collections.filter(owner=viewer)


def image_collections(*, image: Image) -> list[Collection]:
    return list(image.collections.select_related("owner").order_by("title", "id"))


# --- The recipe sidecar -----------------------------------------------------------------------------
def image_recipe(*, image: Image) -> dict[str, Any]:
    """What made the image, as JSON-ready data: it travels beside the file, whose bytes stay untouched."""
    generation = image.generation
    return {
        "format": "easel-recipe/1",
        "prompt": image.prompt,
        "model": {
            "id": image.model_slug,
            "name": image.model_name,
            "provider": image.provider,
            "provider_slug": image.provider_slug,
            "api": image.api,
        },
        "seed": image.seed,
        "parameters": image.parameters
        or {"aspect_ratio": image.aspect_ratio, "image_size": image.image_size},
        "reference_sha256": list(image.reference_sha256),
        "reference_images": _recipe_references(generation),
        "result": {
            "file_name": image_download_name(image),
            "sha256": image.sha256,
            "mime_type": image.mime_type,
            "width": image.width,
            "height": image.height,
            "byte_size": image.byte_size,
            "aspect_matches_request": image.aspect_matches,
        },
        "model_text": image.model_text,
        "usage": {
            "cost_usd": str(image.cost_usd) if image.cost_usd is not None else None,
            "prompt_tokens": image.prompt_tokens,
            "completion_tokens": image.completion_tokens,
            "image_tokens": image.image_tokens,
            "latency_ms": image.latency_ms,
        },
        "openrouter_generation_id": image.openrouter_generation_id,
        "member": image.owner.get_username(),
        "created_at": image.created_at.isoformat(),
        "generation": _recipe_generation(generation, index=image.index),
    }


def _recipe_references(generation) -> list[dict[str, Any]]:
    if generation is None:
        return []
    return [
        {
            "position": reference.position,
            "sha256": reference.sha256,
            "mime_type": reference.mime_type,
            "width": reference.width,
            "height": reference.height,
            "byte_size": reference.byte_size,
            "gallery_image_id": reference.source_image_id,
        }
        for reference in generation.references.all()
    ]


def _recipe_generation(generation, *, index: int) -> dict[str, Any] | None:
    if generation is None:
        return None
    return {
        "id": generation.pk,
        "created_at": generation.created_at.isoformat(),
        "finished_at": generation.finished_at.isoformat() if generation.finished_at else None,
        "index": index,
        "count": generation.count,
    }
