from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import money
from core.aspect_ratios import DEFAULT_IMAGE_SIZE, IMAGE_SIZE_FACTORS
from imagegen import catalog


class ImageModel(models.Model):
    """An OpenRouter image model on the team's allowlist (kept in the admin)."""

    openrouter_id = models.CharField("OpenRouter id", max_length=200, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    context_length = models.PositiveIntegerField(null=True, blank=True)
    price_prompt = models.DecimalField(
        "USD per prompt token", max_digits=16, decimal_places=12, null=True, blank=True
    )
    price_completion = models.DecimalField(
        "USD per completion token", max_digits=16, decimal_places=12, null=True, blank=True
    )
    price_image_output = models.DecimalField(
        "USD per output image (or image token)", max_digits=16, decimal_places=12, null=True, blank=True
    )
    price_request = models.DecimalField(
        "USD per request", max_digits=16, decimal_places=12, null=True, blank=True
    )
    price_per_image = models.DecimalField(
        "estimated USD per 1K image",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Shown on the Generate form and used to reserve budget. Filled in by sync; editable.",
    )
    previous_price_per_image = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    price_changed_at = models.DateTimeField(null=True, blank=True)
    aspect_ratios = models.JSONField(default=catalog.default_aspect_ratios_for_new, blank=True)
    image_sizes = models.JSONField(default=catalog.default_image_sizes_for_new, blank=True)
    enabled = models.BooleanField(default=False)
    is_default = models.BooleanField("default", default=False)
    sort_order = models.IntegerField(default=100)
    last_seen_upstream = models.DateTimeField(null=True, blank=True)
    missing_upstream = models.BooleanField(
        default=False, help_text="OpenRouter no longer lists this model; it cannot be chosen."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="only_one_default_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.openrouter_id})"

    @property
    def accepts_images(self) -> bool:
        return "image" in self.input_modalities

    @property
    def outputs_text(self) -> bool:
        return "text" in self.output_modalities

    @property
    def selectable(self) -> bool:
        return self.enabled and not self.missing_upstream

    def cost_for(self, *, image_size: str, count: int) -> Decimal | None:
        """The most a request is expected to cost, used to reserve budget before calling OpenRouter."""
        if self.price_per_image is None:
            return None
        factor = IMAGE_SIZE_FACTORS.get(image_size or DEFAULT_IMAGE_SIZE, 1)
        return money.stored(self.price_per_image * factor * count, rounding=ROUND_HALF_EVEN)


class ErrorKind(models.TextChoices):
    """Why a generation failed (or lost some images), as `Generation.error_kind` records it: the kinds of
    OpenRouter errors (openrouter.errors, `kind`) and Easel's own. Labels are for the admin and dashboard."""

    BAD_REQUEST = "bad_request", "Request refused by OpenRouter"
    BAD_KEY = "bad_key", "API key problem"
    OUT_OF_CREDITS = "out_of_credits", "Out of credits"
    MODERATION = "moderation", "Blocked by moderation"
    NO_ENDPOINT = "no_endpoint", "Model unavailable"
    TIMEOUT = "timeout", "Timed out"
    TOO_LARGE = "too_large", "Request too large"
    RATE_LIMITED = "rate_limited", "Rate-limited by OpenRouter"
    PROVIDER_ERROR = "provider_error", "Provider error"
    PROTOCOL = "protocol", "Malformed reply"
    TRUNCATED = "truncated", "Reply cut off"
    NO_IMAGE = "no_image", "No image in the reply"
    IMAGE_REJECTED = "image_rejected", "Image refused by Easel's checks"
    NETWORK = "network", "Network error"
    OUTCOME_UNKNOWN = "outcome_unknown", "Connection lost after sending"
    INTERRUPTED = "interrupted", "Worker stopped mid-generation"
    PARTIAL = "partial", "Some of the images failed"
    SAVE_FAILED = "save_failed", "Image could not be stored"
    INTERNAL = "internal", "Error inside Easel"


def error_kind_label(kind: str) -> str:
    """The label of a kind; one this version does not know (from an older one) reads as its words."""
    try:
        return ErrorKind(kind).label
    except ValueError:
        return kind.replace("_", " ").capitalize()


class Generation(models.Model):
    """One submission of the Generate form: `count` parallel requests for the same prompt."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        WORKING = "working", "Model working"
        RECEIVING = "receiving", "Receiving image"
        SAVING = "saving", "Saving"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINAL_STATUSES = (Status.SUCCEEDED, Status.FAILED)

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="generations")
    model = models.ForeignKey(ImageModel, on_delete=models.PROTECT, related_name="generations")
    prompt = models.TextField()
    aspect_ratio = models.CharField(max_length=8)
    image_size = models.CharField(max_length=8, blank=True)
    count = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    stage = models.CharField(max_length=16, choices=Stage, default=Stage.QUEUED)
    # Per-request progress, keyed by request index: {"0": {"stage": ..., "bytes": ...}}.
    progress = models.JSONField(default=dict, blank=True)
    reasoning = models.TextField(blank=True)
    text = models.TextField("model's text", blank=True)
    bytes_received = models.PositiveBigIntegerField(default=0)
    error_kind = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    request_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a request first may have reached OpenRouter (it may cost money).",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    reserved_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    openrouter_ids = models.JSONField(default=list, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    # The gallery image whose "Remix" opened the form (its lineage: the new images are remixes of it).
    remix_of = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    # Sent by the form; a second submit with the same key (a double-click) returns the first generation.
    submission_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="generation_member_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="generation_status_heartbeat"),
            models.Index(fields=["-created_at"], name="generation_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "submission_key"],
                condition=~Q(submission_key=""),
                name="one_generation_per_submission",
            )
        ]

    def __str__(self) -> str:
        return f"Generation {self.pk}: {self.prompt[:40]}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def elapsed_seconds(self) -> int:
        """Seconds since the member submitted it, until it finished (or now)."""
        end = self.finished_at or timezone.now()
        return max(0, int((end - self.created_at).total_seconds()))

    @property
    def kb_received(self) -> int:
        return round(self.bytes_received / 1024)

    @property
    def request_states(self) -> list[dict]:
        """Per-request progress for cards that asked for several images."""
        labels = dict(self.Stage.choices)
        return [
            {
                "number": int(key) + 1,
                "stage": state.get("stage", ""),
                "label": labels.get(state.get("stage", ""), ""),
                "kb": round(state.get("bytes", 0) / 1024),
                "note": state.get("note", ""),
            }
            for key, state in sorted(self.progress.items(), key=lambda item: int(item[0]))
        ]

    @property
    def latency_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class GenerationReference(models.Model):
    """A reference image sent with a generation, kept with it (content-hash name, never rewritten)."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveBigIntegerField()
    source_image = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="used_as_reference"
    )

    class Meta:
        ordering = ["generation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "position"], name="one_reference_per_position")
        ]

    def __str__(self) -> str:
        return f"Reference {self.position} of generation {self.generation_id}"
