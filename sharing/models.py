from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Expiry(models.TextChoices):
    """How long a link works, counted from when it is created or extended."""

    DAY = "1d", "1 day"
    WEEK = "7d", "7 days"
    MONTH = "30d", "30 days"
    YEAR = "1y", "1 year"
    NEVER = "never", "Never"


# 30 days, not "never": forgotten links pile up (immich#11348).
DEFAULT_EXPIRY = Expiry.MONTH
EXPIRY_PERIODS: dict[str, timedelta | None] = {
    Expiry.DAY: timedelta(days=1),
    Expiry.WEEK: timedelta(days=7),
    Expiry.MONTH: timedelta(days=30),
    Expiry.YEAR: timedelta(days=365),
    Expiry.NEVER: None,
}


def expires_at_for(expiry: str, *, now: datetime) -> datetime | None:
    period = EXPIRY_PERIODS[expiry]
    return None if period is None else now + period


class LinkStatus(StrEnum):
    """Where a link stands, in the words the owner's list uses."""

    ACTIVE = "Active"
    EXPIRED = "Expired"  # paused: extending it makes it work again
    REVOKED = "Revoked"  # for good: by a person, or because its image went to the trash
    ENDED = "Ended"  # its image or collection is gone

    @property
    def can_extend(self) -> bool:
        return self in (LinkStatus.ACTIVE, LinkStatus.EXPIRED)


class ShareLink(models.Model):
    """A capability URL that shows one image, one collection or one compare board to anyone who holds it.

    The token is in the URL only: the row keeps its sha256, so a copy of the database opens nothing.
    A link ends for good when it is revoked (by a person, or because its image went to the trash or its
    collection was deleted); it pauses when it expires, until its owner extends it.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        COLLECTION = "collection", "Collection"
        BOARD = "board", "Compare board"

    token_hash = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="sha256 of the token; the token is never stored.",
    )
    kind = models.CharField(max_length=16, choices=Kind)
    # SET_NULL, not CASCADE: the owner's list keeps the row (its views, its history) after the target is gone.
    image = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    collection = models.ForeignKey(
        "gallery.Collection", null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    board = models.ForeignKey(
        "compare.Board", null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    label = models.CharField(max_length=200, blank=True, help_text="Seen only in the owner's list.")
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    allow_download = models.BooleanField(default=True)
    show_details = models.BooleanField("show prompt and details", default=False)
    # What an image cost stays with the team unless the link's maker says otherwise.
    show_cost = models.BooleanField("show cost", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=100, blank=True)
    view_count = models.PositiveBigIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="image", collection__isnull=True, board__isnull=True)
                | Q(kind="collection", image__isnull=True, board__isnull=True)
                | Q(kind="board", image__isnull=True, collection__isnull=True),
                name="share_link_targets_its_kind_only",
            )
        ]
        indexes = [models.Index(fields=["created_by", "-created_at", "-id"], name="share_link_owner_recent")]

    def __str__(self) -> str:
        return self.label or f"Share link {self.pk}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def target(self):
        return {self.Kind.IMAGE: self.image, self.Kind.COLLECTION: self.collection}.get(self.kind, self.board)

    def status(self, *, now: datetime | None = None) -> LinkStatus:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return LinkStatus.REVOKED
        if self.target is None or (self.kind == self.Kind.IMAGE and self.image.trashed_at is not None):
            return LinkStatus.ENDED
        if self.expires_at is not None and self.expires_at <= now:
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE


class ShareVisit(models.Model):
    """One opening of a share page, for the owner to see; only the most recent ones are kept."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField(default=timezone.now)
    network = models.CharField(
        max_length=64, help_text="The visitor's address cut to /24 (IPv4) or /48 (IPv6)."
    )
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["link", "-id"], name="share_visit_link_recent")]

    def __str__(self) -> str:
        return f"Visit to link {self.link_id} at {self.visited_at:%Y-%m-%d %H:%M}"


class RateLimitCounter(models.Model):
    """Attempts counted in fixed time windows, in the database so every web process sees the same count."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="one_counter_per_window")
        ]
        indexes = [models.Index(fields=["scope", "window_start"], name="rate_limit_scope_window")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.count} since {self.window_start:%H:%M:%S}"
