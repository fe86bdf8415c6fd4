"""Reads of compare boards: who sees which board, its columns as the board page shows them, the boards
list, the board an image belongs to, and the per-model "Best" statistics of the team dashboard."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse

from compare.models import Board, BoardCell
from core.money import stored, usd
from gallery.image_board import BoardLink
from gallery.models import Image
from gallery.selectors import images_in_gallery
from imagegen.models import Generation, error_kind_label


def boards_visible_to(*, viewer) -> QuerySet[Board]:
    """A member sees the boards they made (as with their generations); staff see everyone's."""
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return Board.objects.none()
    boards = Board.objects.all()
    return boards if viewer.is_staff else boards.filter(member=viewer)


def board_get(*, viewer, pk) -> Board:
    """A board the viewer may see; anyone else gets the same 404 as an unknown id."""
    board = boards_visible_to(viewer=viewer).select_related("member").filter(pk=pk).first()
    if board is None:
        raise Http404("No such board.")
    return board


def board_list(*, viewer, search: str = "") -> QuerySet[Board]:
    """The viewer's boards, newest first, those whose prompt contains every word of `search`."""
    boards = boards_visible_to(viewer=viewer)
    for word in search.split()[:10]:
        boards = boards.filter(prompt__icontains=word)
    cells = BoardCell.objects.select_related("model").only("board_id", "position", "is_best", "model__name")
    return (
        boards.select_related("member")
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("cells", queryset=cells))
    )


@dataclass
class Column:
    """One model's column on a board page."""

    cell_id: int
    position: int
    model_name: str
    status: str  # Generation.Status
    stage_label: str
    images: list[Image]
    hidden_images: int  # made, but in the trash (or otherwise not for this viewer)
    cost_usd: Decimal | None
    seconds: float | None
    provider: str
    failure: str
    ignored: list[str] = field(default_factory=list)
    is_best: bool = False

    @property
    def is_finished(self) -> bool:
        return self.status in Generation.FINAL_STATUSES

    @property
    def cost_label(self) -> str:
        return usd(self.cost_usd, price=True)

    @property
    def failed(self) -> bool:
        return self.status == Generation.Status.FAILED


CELL_GENERATION_FIELDS = (
    "id", "status", "stage", "cost_usd", "started_at", "finished_at", "created_at", "provider",
    "error_kind", "error_message",
)  # fmt: skip


def board_columns(*, viewer, board: Board) -> list[Column]:
    """The board's columns in order: three queries, however many models (cells, images)."""
    cells = list(
        BoardCell.objects.filter(board=board)
        .select_related("model", "generation")
        .only(
            "position",
            "ignored",
            "is_best",
            "model__name",
            *(f"generation__{f}" for f in CELL_GENERATION_FIELDS),
        )
        .order_by("position")
    )
    generation_ids = [cell.generation_id for cell in cells]
    images_by_generation: dict[int, list[Image]] = defaultdict(list)
    for image in Image.objects.filter(generation_id__in=generation_ids).order_by("generation_id", "index"):
        images_by_generation[image.generation_id].append(image)
    visible = set(
        images_in_gallery(viewer=viewer).filter(generation_id__in=generation_ids).values_list("pk", flat=True)
    )
    return [_column(cell, images_by_generation[cell.generation_id], visible) for cell in cells]


def _column(cell: BoardCell, images: list[Image], visible: set[int]) -> Column:
    generation = cell.generation
    shown = [image for image in images if image.pk in visible]
    failure = ""
    if generation.status == Generation.Status.FAILED:
        failure = generation.error_message or error_kind_label(generation.error_kind) or "It failed."
    provider = next((image.provider for image in images if image.provider), generation.provider)
    return Column(
        cell_id=cell.pk,
        position=cell.position,
        model_name=cell.model.name,
        status=generation.status,
        stage_label=Generation.Stage(generation.stage).label if generation.stage else "",
        images=shown,
        hidden_images=len(images) - len(shown),
        cost_usd=generation.cost_usd,
        seconds=_seconds(generation),
        provider=provider,
        failure=failure,
        ignored=list(cell.ignored),
        is_best=cell.is_best,
    )


def _seconds(generation: Generation) -> float | None:
    start = generation.started_at or generation.created_at
    if generation.finished_at is None or start is None:
        return None
    return max(0.0, (generation.finished_at - start).total_seconds())


def board_is_live(columns: list[Column]) -> bool:
    return any(not column.is_finished for column in columns)


def board_for_image(*, viewer, image: Image) -> Board | None:
    """The compare board an image was made on, if the viewer may see that board."""
    if image.generation_id is None:
        return None
    return boards_visible_to(viewer=viewer).filter(cells__generation_id=image.generation_id).first()


def board_link_for_image(*, viewer, image: Image) -> BoardLink | None:
    """The image page's link to its board (gallery/image_board.py's seam), if the viewer may see it."""
    board = board_for_image(viewer=viewer, image=image)
    if board is None:
        return None
    url = reverse("compare:board_detail", args=[board.pk])
    return BoardLink(url=url, prompt=board.prompt, model_count=board.cells.count())


@dataclass(frozen=True)
class ModelBestStats:
    model_name: str
    boards: int
    picked_best: int
    average_cost: Decimal | None
    average_seconds: float | None

    @property
    def average_cost_label(self) -> str:
        return usd(stored(self.average_cost), price=True)


def best_statistics(*, since: datetime, until: datetime) -> list[ModelBestStats]:
    """Per model that ran on a board made in [since, until): how often it was picked best, its average cost
    and time (over its board runs that finished well), most picked first."""
    rows = (
        BoardCell.objects.filter(board__created_at__gte=since, board__created_at__lt=until)
        .order_by()
        .values_list("model__name", "is_best", "generation__status", "generation__cost_usd",
                     "generation__started_at", "generation__finished_at")
    )  # fmt: skip
    totals: dict[str, dict] = defaultdict(lambda: {"boards": 0, "best": 0, "costs": [], "seconds": []})
    for name, is_best, status, cost, started, finished in rows.iterator():
        entry = totals[name]
        entry["boards"] += 1
        entry["best"] += is_best
        if status != Generation.Status.SUCCEEDED:
            continue
        if cost is not None:
            entry["costs"].append(cost)
        if started and finished:
            entry["seconds"].append((finished - started).total_seconds())
    stats = [
        ModelBestStats(
            model_name=name,
            boards=entry["boards"],
            picked_best=entry["best"],
            average_cost=sum(entry["costs"], Decimal(0)) / len(entry["costs"]) if entry["costs"] else None,
            average_seconds=sum(entry["seconds"]) / len(entry["seconds"]) if entry["seconds"] else None,
        )
        for name, entry in totals.items()
    ]
    return sorted(stats, key=lambda row: (-row.picked_best, row.model_name))


def board_images(*, board_id: int) -> QuerySet[Image]:
    """A board's images that are not in the trash, column by column (for share links)."""
    return Image.objects.filter(generation__board_cell__board_id=board_id, trashed_at__isnull=True).order_by(
        "generation__board_cell__position", "index", "id"
    )


def board_model_names(*, board_id: int) -> dict[int, str]:
    """image id → the name of the model that made it, for a board's images."""
    rows = Image.objects.filter(generation__board_cell__board_id=board_id).values_list(
        "pk", "generation__board_cell__model__name"
    )
    return dict(rows)
