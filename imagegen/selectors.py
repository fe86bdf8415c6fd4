"""Reads for image generation: the Generate page's cards and choices, the workers' health, and the
generation log's totals."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.ids import parse_id
from core.money import stored
from gallery.models import Favourite, Image, ImageParent
from gallery.selectors import image_get_visible, images_in_gallery
from imagegen.models import (
    Generation,
    GenerationReference,
    ImageModel,
    PendingReference,
    Worker,
    error_kind_label,
)

ZERO = Decimal(0)
# Sums of the six-decimal money columns (Generation.cost_usd / reserved_usd), on every database.
MONEY = DecimalField(max_digits=16, decimal_places=6)

RECENT_GENERATIONS = 12
PICK_CANDIDATES = 12


def models_selectable() -> QuerySet[ImageModel]:
    return ImageModel.objects.filter(enabled=True, missing_upstream=False).order_by("sort_order", "name")


def generations_with_images(*, viewer=None) -> QuerySet[Generation]:
    """Generations with what their cards show, read in a fixed number of queries however many there are:
    the images (each starred or not by `viewer`), the references sent, and the retries made of each."""
    # retry_count keys the card's "Try again" form (a double-click retries once), without a query per card.
    # A subquery per listed row, not a join and GROUP BY: grouping would read every generation the member
    # ever made before the ORDER BY … LIMIT could use its index (141 ms a page at 20,000 generations).
    retries = Generation.objects.filter(retry_of=OuterRef("pk")).order_by()
    retry_count = retries.values("retry_of").annotate(count=Count("pk")).values("count")
    latest_retry = retries.order_by("-created_at", "-id").values("pk")[:1]
    generations = Generation.objects.select_related("model").annotate(
        retry_count=Coalesce(Subquery(retry_count), 0), latest_retry_id=Subquery(latest_retry)
    )
    images = (
        Image.objects.filter(trashed_at__isnull=True)
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
            "prompt",
            "created_at",
        )
        .order_by("index", "id")
    )
    if viewer is not None:
        images = images.annotate(
            is_favourite=Exists(Favourite.objects.filter(member=viewer, image=OuterRef("pk")))
        )
    return generations.prefetch_related(
        Prefetch("images", queryset=images),
        Prefetch("references", queryset=GenerationReference.objects.order_by("position")),
    )


# A card shows only its model's name (and the page polls faster for a model that streams previews); the
# prices and JSON columns would be decoded for nothing.
_MODEL_COLUMNS_CARDS_SKIP = [
    f"model__{field.name}"
    for field in ImageModel._meta.concrete_fields
    if field.name not in ("id", "name", "supports_streaming")
]


def generation_list_recent(*, member, limit: int = RECENT_GENERATIONS) -> list[Generation]:
    generations = (
        generations_with_images(viewer=member).defer(*_MODEL_COLUMNS_CARDS_SKIP).filter(member=member)
    )
    return list(generations.order_by("-created_at", "-id")[:limit])


def _generations_visible_to(viewer) -> QuerySet[Generation]:
    """A member sees their own generations; staff see everyone's."""
    generations = generations_with_images(viewer=viewer)
    return generations if viewer.is_staff else generations.filter(member=viewer)


MAX_LIVE_CARDS = 50


def generations_by_ids(*, viewer, ids: list[str]) -> list[Generation]:
    """The viewer's generations among `ids` (as sent by a page; anything not a number is ignored)."""
    wanted = {pk for pk in map(parse_id, ids[:MAX_LIVE_CARDS]) if pk is not None}
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


def generation_for_prompt(*, viewer, pk) -> Generation | None:
    """The viewer's generation named by ?prompt_from= (a card's "Edit prompt"), or None."""
    pk = parse_id(pk)
    if pk is None:
        return None
    generations = Generation.objects.all() if viewer.is_staff else Generation.objects.filter(member=viewer)
    return generations.filter(pk=pk).first()


def generation_reference_get(*, viewer, pk: int, position: int) -> GenerationReference:
    """A reference of a generation the viewer may see; 404 otherwise, as for an unknown one."""
    generations = Generation.objects.all() if viewer.is_staff else Generation.objects.filter(member=viewer)
    reference = GenerationReference.objects.filter(
        generation__in=generations.filter(pk=pk), position=position
    ).first()
    if reference is None:
        raise Http404("No such reference")
    return reference


def pending_references(*, member) -> QuerySet[PendingReference]:
    return PendingReference.objects.filter(member=member)


def pending_reference_get(*, member, pk: int) -> PendingReference:
    pending = pending_references(member=member).filter(pk=pk).first()
    if pending is None:
        raise Http404("No such upload")
    return pending


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


def generation_lineage_parents(*, generation: Generation) -> list[tuple[int, str]]:
    """The gallery images a generation's images are made from, and how: (image id, ImageParent.Kind)."""
    parents: list[tuple[int, str]] = []
    if generation.remix_of_id:
        parents.append((generation.remix_of_id, ImageParent.Kind.REMIX))
    # All of them, filtered here: the worker has them prefetched (it sent them), so this asks nothing more.
    references = [ref.source_image_id for ref in generation.references.all() if ref.source_image_id]
    parents += [(pk, ImageParent.Kind.EDIT) for pk in references]
    if generation.run_again_of_id:
        parents.append((generation.run_again_of_id, ImageParent.Kind.RUN_AGAIN))
    if generation.retry_of_id:
        earlier = Image.objects.filter(generation_id=generation.retry_of_id).values_list("pk", flat=True)
        parents += [(pk, ImageParent.Kind.RETRY) for pk in earlier]
    return parents


def money_total(field_name: str) -> Coalesce:
    """The sum of a money column over the rows, zero when there are none."""
    return Coalesce(Sum(field_name), Value(ZERO), output_field=MONEY)


# --- workers: is anyone running the queue? ----------------------------------------------------------


def workers_live(*, now: datetime | None = None) -> QuerySet[Worker]:
    """Workers whose heartbeat is fresh (within EASEL_HEARTBEAT_STALE_SECONDS) and that have not stopped."""
    now = now or timezone.now()
    fresh_since = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    return Worker.objects.filter(stopped_at__isnull=True, heartbeat_at__gte=fresh_since)


def _age_seconds(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max(0.0, (now - moment).total_seconds()), 1)


@dataclass(frozen=True)
class WorkHealth:
    """What monitoring needs to tell a stuck queue: ages in seconds (None when there is nothing to age)."""

    worker_heartbeat_age_seconds: float | None
    oldest_queued_seconds: float | None
    live_workers: int

    def stuck(self, *, after_seconds: float) -> bool:
        """Queued work has waited longer than `after_seconds` and no worker is alive to take it."""
        waited = self.oldest_queued_seconds
        return self.live_workers == 0 and waited is not None and waited > after_seconds


def work_health(*, now: datetime | None = None) -> WorkHealth:
    now = now or timezone.now()
    newest_beat = Worker.objects.aggregate(newest=Max("heartbeat_at"))["newest"]
    queued = Generation.objects.filter(status=Generation.Status.QUEUED).order_by()
    oldest_queued = queued.aggregate(oldest=Min("created_at"))["oldest"]
    return WorkHealth(
        worker_heartbeat_age_seconds=_age_seconds(newest_beat, now),
        oldest_queued_seconds=_age_seconds(oldest_queued, now),
        live_workers=workers_live(now=now).count(),
    )


def generations_wait_for_a_worker(*, generations: list[Generation]) -> bool:
    """Whether any of these generations is queued while no worker is alive (the Generate page's notice).

    Reads the workers only when one is queued: the page's poll asks every 500 ms."""
    if not any(generation.status == Generation.Status.QUEUED for generation in generations):
        return False
    return not workers_live().exists()


WORKERS_SHOWN_FOR = timedelta(days=1)


@dataclass(frozen=True)
class WorkerState:
    host: str
    pid: int
    heartbeat_at: datetime
    age_seconds: float
    running: int
    state: str  # "alive", "stale" (no heartbeat lately: hung or killed) or "stopped" (exited cleanly)


def _worker_state(worker: Worker, now: datetime) -> WorkerState:
    fresh_since = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    if worker.stopped_at is not None:
        state = "stopped"
    else:
        state = "alive" if worker.heartbeat_at >= fresh_since else "stale"
    return WorkerState(
        host=worker.host,
        pid=worker.pid,
        heartbeat_at=worker.heartbeat_at,
        age_seconds=_age_seconds(worker.heartbeat_at, now),
        running=worker.running,
        state=state,
    )


def workers_recent(*, now: datetime | None = None) -> list[WorkerState]:
    """Workers heard from in the last day, newest heartbeat first, each with its state."""
    now = now or timezone.now()
    workers = Worker.objects.filter(heartbeat_at__gte=now - WORKERS_SHOWN_FOR).order_by("-heartbeat_at")
    return [_worker_state(worker, now) for worker in workers[:50]]


def worker_on_host(*, host: str, now: datetime | None = None) -> WorkerState | None:
    """This host's worker (a container runs one): the live one if any, else the one heard from last."""
    now = now or timezone.now()
    live = workers_live(now=now).filter(host=host).order_by("-heartbeat_at").first()
    latest = live or Worker.objects.filter(host=host).order_by("-heartbeat_at").first()
    return None if latest is None else _worker_state(latest, now)


# A worker's connections besides its pool threads': its main loop and its one progress writer.
WORKER_OWN_CONNECTIONS = 2


@dataclass(frozen=True)
class ConnectionRoom:
    """PostgreSQL's client connections: its limit, those kept for superusers (and reserved roles), those open now."""

    max_connections: int
    reserved: int
    in_use: int

    @property
    def free(self) -> int:
        return self.max_connections - self.reserved - self.in_use


def database_connection_room() -> ConnectionRoom | None:
    """The database server's room for more connections; None on SQLite, which has no such limit."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int "
            "+ COALESCE(current_setting('reserved_connections', true)::int, 0), "
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        max_connections, reserved, in_use = cursor.fetchone()
    return ConnectionRoom(max_connections=max_connections, reserved=reserved, in_use=in_use)


def worker_connections_problem(*, threads: int) -> str | None:
    """Why a worker of `threads` generations at once may not get its database connections, or None.

    Without a pool, each pool thread keeps a connection while its generation runs; with one
    (EASEL_DATABASE_POOL_SIZE), the whole process holds at most the pool's size. Past PostgreSQL's
    max_connections the server refuses new ones: generations then wait and retry as if the database were
    down, and the web pages fail, so the operator is told at start, with the numbers."""
    room = database_connection_room()
    if room is None:
        return None
    pool_size = settings.DATABASE_POOL_SIZE
    needed = pool_size or threads + WORKER_OWN_CONNECTIONS
    available = room.free + 1  # this process's own connection, open for the question, is one of them
    if needed <= available:
        return None
    if pool_size:
        holds = f"keeps up to {needed} database connections (EASEL_DATABASE_POOL_SIZE)"
        remedy = "lower EASEL_DATABASE_POOL_SIZE"
    else:
        holds = (
            f"runs {threads} generations at once (EASEL_WORKER_THREADS or --threads) and can hold {needed} "
            "database connections"
        )
        remedy = (
            "set EASEL_DATABASE_POOL_SIZE (a few connections that all its threads share), or lower "
            "EASEL_WORKER_THREADS"
        )
    return (
        f"This worker {holds}, but PostgreSQL has room for {available} more (max_connections "
        f"{room.max_connections}, {room.reserved} of them reserved, {room.in_use} in use). "
        "Past that, generations wait and retry as if the database were down, and pages fail: raise "
        f"max_connections (or put PgBouncer in front), or {remedy}."
    )


# --- the generation log (admin) ---------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationTotals:
    generations: int
    images_requested: int
    images_stored: int
    cost: Decimal
    reserved: Decimal
    average_latency: timedelta | None


def generation_totals(*, generations: QuerySet[Generation]) -> GenerationTotals:
    """Totals of a (filtered) list of generations, across all its pages."""
    generations = generations.order_by()
    totals = generations.aggregate(
        generations=Count("id"),
        images_requested=Coalesce(Sum("count"), Value(0)),
        cost=money_total("cost_usd"),
        reserved=money_total("reserved_usd"),
        average_latency=Avg(
            F("finished_at") - F("started_at"),
            filter=Q(finished_at__isnull=False, started_at__isnull=False),
        ),
    )
    images_stored = Image.objects.filter(generation__in=generations.values("pk")).count()
    return GenerationTotals(
        generations=totals["generations"],
        images_requested=totals["images_requested"],
        images_stored=images_stored,
        cost=stored(totals["cost"]),
        reserved=stored(totals["reserved"]),
        average_latency=totals["average_latency"],
    )


@dataclass
class ErrorBreakdown:
    """Counts of generations by error kind (rows) and model (columns)."""

    models: list[tuple[int, str]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    model_totals: list[int] = field(default_factory=list)
    total: int = 0


def error_breakdown(*, generations: QuerySet[Generation]) -> ErrorBreakdown:
    counts = (
        generations.exclude(error_kind="")
        .order_by()
        .values("error_kind", "model_id", "model__name")
        .annotate(n=Count("id"))
    )
    models: dict[int, str] = {}
    cells: dict[tuple[str, int], int] = {}
    for row in counts:
        models[row["model_id"]] = row["model__name"]
        cells[row["error_kind"], row["model_id"]] = row["n"]
    model_order = sorted(models.items(), key=lambda item: item[1].lower())
    kinds = {kind for kind, _ in cells}
    rows = [
        {
            "kind": kind,
            "label": error_kind_label(kind),
            "cells": [(model_id, cells.get((kind, model_id), 0)) for model_id, _ in model_order],
            "total": sum(n for (k, _), n in cells.items() if k == kind),
        }
        for kind in kinds
    ]
    rows.sort(key=lambda row: (-row["total"], row["kind"]))
    return ErrorBreakdown(
        models=model_order,
        rows=rows,
        model_totals=[sum(n for (_, m), n in cells.items() if m == model_id) for model_id, _ in model_order],
        total=sum(cells.values()),
    )
