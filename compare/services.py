"""Writes for compare boards: admitting and starting a board (one generation per model, all or none), and
marking a cell "Best". Reads live in selectors.py."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from compare.models import MAX_MODELS, MIN_MODELS, Board, BoardCell
from imagegen import parameters as choices
from imagegen.exceptions import GenerationRefused
from imagegen.models import Generation, ImageModel
from imagegen.services import generation_check, generation_create, generation_estimate


class BoardRefused(Exception):
    """The board breaks a rule, or admission refused some of its models; nothing was sent or saved.
    `field`: where the form shows it (None: above the form); `models`: the names of the models at fault."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        models: Sequence[str] = (),
        details: Sequence[str] = (),
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.models = list(models)
        self.details = list(details)  # one line per refused model

    @property
    def messages(self) -> list[str]:
        return [self.message, *self.details]


@dataclass(frozen=True)
class CellPlan:
    """What one model of a board is sent: the shared settings it takes, and those it ignores (listed)."""

    model: ImageModel
    aspect_ratio: str
    image_size: str
    seed: int | None
    ignored: tuple[str, ...]


def board_plan(
    *, models: Sequence[ImageModel], aspect_ratio: str, image_size: str, seed: int | None
) -> list[CellPlan]:
    """Each model's share of the settings. A setting a model does not take is left to that model and listed
    in its cell; a setting that no chosen model takes is refused (BoardRefused, with its field)."""
    plans = []
    for model in models:
        offer = model.offer()
        ignored = []
        ratio = aspect_ratio if aspect_ratio in choices.offered_values(offer, "aspect_ratio") else ""
        if aspect_ratio and not ratio:
            ignored.append(f"aspect ratio {aspect_ratio}")
        size = image_size if image_size in choices.offered_values(offer, "resolution") else ""
        if image_size and not size:
            ignored.append(image_size)
        bounds = choices.seed_bounds(offer)
        taken_seed = seed if seed is not None and bounds and bounds[0] <= seed <= bounds[1] else None
        if seed is not None and taken_seed is None:
            ignored.append(f"seed {seed}")
        plans.append(CellPlan(model, ratio, size, taken_seed, tuple(ignored)))
    for field, value, label, taken in (
        ("aspect_ratio", aspect_ratio, "aspect ratio", lambda plan: plan.aspect_ratio),
        ("image_size", image_size, "image size", lambda plan: plan.image_size),
        ("seed", seed, "a seed", lambda plan: plan.seed),
    ):
        if value not in (None, "") and not any(taken(plan) not in (None, "") for plan in plans):
            shown = f"{label} {value}" if field != "seed" else f"seed {value}"
            raise BoardRefused(
                f"None of the chosen models takes {shown}: choose another, or leave it to the models.",
                field=field,
            )
    return plans


def board_check(*, models: Sequence[ImageModel], picked_ids: Sequence[str] = ()) -> None:
    """The board's own rules: two to six different models, each enabled, within the running limit."""
    duplicates = sorted({pk for pk in picked_ids if list(picked_ids).count(pk) > 1})
    if duplicates:
        names = [model.name for model in models if str(model.pk) in duplicates] or duplicates
        raise BoardRefused(f"Pick each model once: {', '.join(names)} was picked twice.", field="models")
    if len({model.pk for model in models}) != len(models):
        raise BoardRefused("Pick each model once.", field="models")
    unavailable = [model.name for model in models if not model.selectable]
    if unavailable:
        raise BoardRefused(
            f"{', '.join(unavailable)} cannot be used: pick enabled models.",
            field="models",
            models=unavailable,
        )
    if not MIN_MODELS <= len(models) <= MAX_MODELS:
        raise BoardRefused(
            f"Pick {MIN_MODELS} to {MAX_MODELS} models to compare (you picked {len(models)}).", field="models"
        )
    running_limit = settings.MAX_RUNNING_PER_MEMBER
    if len(models) > running_limit:
        raise BoardRefused(
            f"A board runs one generation per model, and you may have {running_limit} queued or running at "
            f"a time: pick at most {running_limit} models (an admin can raise EASEL_MAX_RUNNING_PER_MEMBER).",
            field="models",
        )


def board_estimate(*, plans: Sequence[CellPlan], prompt: str = "") -> Decimal | None:
    """The most the whole board may cost: the sum of what admission reserves for each model (None when a
    model has no known price)."""
    total = Decimal(0)
    for plan in plans:
        estimate = generation_estimate(**_request(plan, prompt))
        if estimate is None:
            return None
        total += estimate.reserve
    return total


def _request(plan: CellPlan, prompt: str) -> dict:
    return {
        "model": plan.model,
        "prompt": prompt,
        "aspect_ratio": plan.aspect_ratio,
        "image_size": plan.image_size,
        "count": 1,
        "parameters": {"seed": plan.seed},
    }


def board_create(
    *,
    member,
    models: Sequence[ImageModel],
    prompt: str,
    aspect_ratio: str = "",
    image_size: str = "",
    seed: int | None = None,
    picked_ids: Sequence[str] = (),
    rerun_of: Board | None = None,
    submission_key: str = "",
) -> Board:
    """Admit the whole board, then queue one generation per model, in one transaction.

    Each model's budget reservation is made in turn inside that transaction, so the member's budget holds
    the sum of them all before anything is sent; the tasks commit with the rows, so no worker sees any of
    them unless every model was admitted. Refusals are gathered and named together (BoardRefused)."""
    if submission_key and (
        earlier := Board.objects.filter(member=member, submission_key=submission_key).first()
    ):
        return earlier
    board_check(models=models, picked_ids=picked_ids)
    plans = board_plan(models=models, aspect_ratio=aspect_ratio, image_size=image_size, seed=seed)
    for plan in plans:
        try:
            generation_check(**_request(plan, prompt), reference_count=0)
        except GenerationRefused as refused:
            field = "prompt" if refused.field == "prompt" else None
            raise BoardRefused(_named(plan.model, refused), field=field, models=[plan.model.name]) from None
    try:
        return _board_admit(
            member=member, plans=plans, prompt=prompt, aspect_ratio=aspect_ratio, image_size=image_size,
            seed=seed, rerun_of=rerun_of, submission_key=submission_key,
        )  # fmt: skip
    except IntegrityError:
        # Two submissions with one key raced (a double-click): the other one's board is the answer.
        if submission_key and (
            earlier := Board.objects.filter(member=member, submission_key=submission_key).first()
        ):
            return earlier
        raise


def _board_admit(*, member, plans: Sequence[CellPlan], prompt: str, **board_fields) -> Board:
    refusals: list[tuple[ImageModel, GenerationRefused]] = []
    with transaction.atomic():
        board = Board.objects.create(member=member, prompt=prompt, **board_fields)
        for position, plan in enumerate(plans):
            try:
                with transaction.atomic():
                    generation = generation_create(member=member, **_request(plan, prompt))
            except GenerationRefused as refused:
                refusals.append((plan.model, refused))
                continue
            BoardCell.objects.create(
                board=board,
                position=position,
                model=plan.model,
                generation=generation,
                ignored=list(plan.ignored),
            )
        if refusals:
            # Leaving the block by an exception rolls back the board, every reservation and every task.
            raise BoardRefused(
                "Nothing was sent: every model of a board must be admitted before any of them runs.",
                models=[model.name for model, _ in refusals],
                details=[_named(model, refused) for model, refused in refusals],
            )
    return board


def _named(model: ImageModel, refused: GenerationRefused) -> str:
    return f"{model.name}: {refused.message}"


class NotYourBoard(Exception):
    pass


class BestRefused(Exception):
    """The cell can't be the best: it made no image, or another pick landed at the same moment."""


def board_best_toggle(*, board: Board, cell_id: int, actor) -> BoardCell | None:
    """Mark a cell "Best" (one per board), or unmark it when it already is; the best cell after the change.
    Only the board's maker (or staff) decides."""
    if board.member_id != actor.pk and not actor.is_staff:
        raise NotYourBoard("Only the member who made the board can pick its best.")
    with transaction.atomic():
        cell = BoardCell.objects.select_for_update().select_related("generation").get(board=board, pk=cell_id)
        if cell.generation.status != Generation.Status.SUCCEEDED:
            raise BestRefused("Only a column that made its image can be the best.")
        was_best = cell.is_best
        BoardCell.objects.filter(board=board, is_best=True).update(is_best=False)
        if was_best:
            return None
        try:
            BoardCell.objects.filter(pk=cell.pk).update(is_best=True)
        except IntegrityError:  # another request picked a different best at the same moment
            raise BestRefused("Someone changed the best at the same moment: reload the board.") from None
    cell.is_best = True
    return cell
