from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MIN_MODELS = 2
MAX_MODELS = 6


class Board(models.Model):
    """One prompt sent to several models at once, to compare them side by side (a "Compare" submission).

    Each model runs as an ordinary generation (same worker, same queue); the board links them through its
    cells, so imagegen knows nothing of boards."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="boards")
    prompt = models.TextField()
    # The shared settings as the member chose them (blank: each model's own default).
    aspect_ratio = models.CharField(max_length=8, blank=True)
    image_size = models.CharField(max_length=8, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    # Sent by the form; a second submit with the same key (a double-click) returns the first board.
    submission_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "submission_key"],
                condition=~Q(submission_key=""),
                name="one_board_per_submission",
            )
        ]
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="board_member_recent"),
            models.Index(fields=["-created_at", "-id"], name="board_recent"),
        ]

    def __str__(self) -> str:
        return f"Board {self.pk}: {self.prompt[:40]}"


class BoardCell(models.Model):
    """One column of a board: a model and the generation it ran as, with the shared settings it ignored."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cells")
    position = models.PositiveSmallIntegerField()
    model = models.ForeignKey("imagegen.ImageModel", on_delete=models.PROTECT, related_name="board_cells")
    generation = models.OneToOneField(
        "imagegen.Generation", on_delete=models.CASCADE, related_name="board_cell"
    )
    # The shared settings this model does not take, as the cell lists them: ["4K", "seed 7"].
    ignored = models.JSONField(default=list, blank=True)
    is_best = models.BooleanField(default=False)

    class Meta:
        ordering = ["board", "position"]
        constraints = [
            models.UniqueConstraint(fields=["board", "position"], name="one_cell_per_position"),
            models.UniqueConstraint(fields=["board", "model"], name="one_cell_per_model"),
            models.UniqueConstraint(fields=["board"], condition=Q(is_best=True), name="one_best_per_board"),
        ]

    def __str__(self) -> str:
        return f"Cell {self.position} of board {self.board_id}"
