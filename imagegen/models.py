import base64
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from imagegen import capabilities


class ImageModel(models.Model):
    """An OpenRouter image model on the team's allowlist (kept in the admin), with what OpenRouter says it
    accepts and costs (filled in by the sync, read-only) and an admin's override of either."""

    class Api(models.TextChoices):
        IMAGES = "images", "Image API (POST /images)"
        CHAT = "chat", "Chat completions"

    openrouter_id = models.CharField("OpenRouter id", max_length=200, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    context_length = models.PositiveIntegerField(null=True, blank=True)
    api = models.CharField(
        "served by",
        max_length=8,
        choices=Api,
        default=Api.CHAT,
        help_text="Which OpenRouter API generates with it.",
    )
    parameters = models.JSONField(
        "descriptors", default=dict, blank=True, help_text="What it accepts, merged over its providers."
    )
    providers = models.JSONField(default=list, blank=True)
    pricing = models.JSONField(
        "pricing lines",
        default=list,
        blank=True,
        help_text="A chat model's prices (Image API models: per provider).",
    )
    supports_streaming = models.BooleanField("streams previews", default=False)
    parameters_override = models.JSONField(
        "override: descriptors",
        null=True,
        blank=True,
        help_text='Replaces what OpenRouter says, per parameter, e.g. {"aspect_ratio": {"type": "enum", '
        '"values": ["1:1", "16:9"]}}; null takes a parameter away. Marked as an override wherever it applies.',
    )
    pricing_override = models.JSONField(
        "override: pricing lines",
        null=True,
        blank=True,
        help_text='Replaces every provider\'s prices, e.g. [{"billable": "output_image", "unit": "image", '
        '"cost_usd": 0.04}]. Marked as an override wherever it applies.',
    )
    enabled = models.BooleanField(default=False)
    is_default = models.BooleanField("default", default=False)
    sort_order = models.IntegerField(default=100)
    last_seen_upstream = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(
        "capabilities read", null=True, blank=True, help_text="When OpenRouter last described it."
    )
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

    def offer(self, provider: str | None = None) -> capabilities.ModelOffer:
        """What it accepts and costs, merged over its providers or through one (a slug), override applied."""
        if provider is None and self._offer is not None:
            return self._offer
        offer = capabilities.model_offer(
            parameters=self.parameters,
            providers=self.providers,
            pricing=self.pricing,
            parameters_override=self.parameters_override,
            pricing_override=self.pricing_override,
            provider=provider,
            model_id=self.openrouter_id,
        )
        if provider is None:
            self._offer = offer
        return offer

    _offer: capabilities.ModelOffer | None = None

    def refresh_from_db(self, *args, **kwargs) -> None:
        self._offer = None
        super().refresh_from_db(*args, **kwargs)

    def provider_named(self, slug: str) -> capabilities.Provider | None:
        return next((p for p in self.offer().providers if p.slug == slug), None)


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
    aspect_ratio = models.CharField(max_length=8, blank=True)
    image_size = models.CharField(max_length=8, blank=True)
    count = models.PositiveSmallIntegerField(default=1)
    # The member's other choices, each one the model offered: {"seed", "quality", "background", "output_format"}.
    parameters = models.JSONField(default=dict, blank=True)
    # Images asked for in each request (the Image API's `n`): `count`, or 1 where a model makes one a request.
    images_per_request = models.PositiveSmallIntegerField(default=1)
    # The provider pinned by "Run again exactly" (a slug or a name); blank lets OpenRouter choose.
    provider = models.CharField(max_length=100, blank=True)
    # The latest preview a streaming model sent, small (WebP), while it runs; cleared when it ends.
    preview = models.BinaryField(null=True, blank=True, editable=False)
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
    # The gallery image whose "Run again exactly" made this one (its lineage: kind run_again).
    run_again_of = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs_again"
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
    def preview_data_uri(self) -> str | None:
        """The latest preview, inline: the card's poll brings it, with no request of its own."""
        if not self.preview or self.is_finished:
            return None
        return "data:image/webp;base64," + base64.b64encode(bytes(self.preview)).decode("ascii")

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
    def text_once(self) -> str:
        """The model's words for the card, each said once: a model making four images often says "Here is
        your image." four times."""
        said: list[str] = []
        for paragraph in self.text.split("\n\n"):
            if paragraph.strip() and paragraph.strip() not in said:
                said.append(paragraph.strip())
        return " ".join(said)

    @property
    def missing_count(self) -> int:
        """Images asked for that the card does not show (failed, or since moved to the trash)."""
        return max(0, self.count - len(self.images.all()))

    @property
    def blocked_by_moderation(self) -> bool:
        """Trying the same prompt again would be refused the same way: the card offers to edit it instead."""
        return self.error_kind == ErrorKind.MODERATION

    @property
    def latency_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ReferenceFile(models.Model):
    """A stored reference image (content-hash name under references/, never rewritten)."""

    file_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True


class GenerationReference(ReferenceFile):
    """A reference image sent with a generation, kept with it."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveSmallIntegerField(default=0)
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


class PendingReference(ReferenceFile):
    """A reference upload kept between a refused submission and the member's next one, so that a
    validation error does not drop it. Its member's alone; a successful submission clears the member's
    (the generation keeps its own GenerationReference), and one left unused is removed after
    PENDING_REFERENCE_HOURS (imagegen.services.pending). Same content-hash names as GenerationReference."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_references"
    )
    upload_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Pending reference {self.upload_name or self.pk} of {self.member_id}"


class Worker(models.Model):
    """A worker process as its own heartbeat last described it: where it runs and what it is doing.

    Written by the worker's main loop (one upsert a heartbeat), marked stopped when it exits cleanly. A
    worker killed outright simply stops beating: its row goes stale, which is how the health endpoints,
    the Generate page and the team dashboard tell that no worker is alive."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField("process id")
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(db_index=True)
    running = models.PositiveIntegerField("generations running", default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-heartbeat_at"]

    def __str__(self) -> str:
        return f"Worker {self.worker_id} (process {self.pid} on {self.host})"
