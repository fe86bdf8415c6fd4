from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CredentialsStatus(models.TextChoices):
    """Whether an original carries C2PA Content Credentials (gallery/credentials.py reads them)."""

    NOT_READ = "", "not read yet"
    NONE = "none", "none"
    PRESENT = "present", "present"
    UNREADABLE = "unreadable", "unreadable"


class Image(models.Model):
    """A generated image in the team gallery. The original bytes are kept unchanged under a content-hash name."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="images")
    generation = models.ForeignKey(
        "imagegen.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    index = models.PositiveSmallIntegerField(default=0, help_text="Position among the generation's images.")
    file_name = models.CharField(max_length=255)
    thumbnail_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    mime_type = models.CharField(max_length=32)
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveBigIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    aspect_ratio = models.CharField("requested aspect ratio", max_length=8, blank=True)
    image_size = models.CharField("requested image size", max_length=8, blank=True)
    aspect_matches = models.BooleanField(
        default=True,
        help_text="The picture has the shape asked for: the ratio's documented pixel size (or the provider's clamp).",
    )
    prompt = models.TextField()
    model_slug = models.CharField("model", max_length=200)
    model_name = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=100, blank=True)
    provider_slug = models.CharField(max_length=100, blank=True)
    # The recipe: the API that made it, the seed (sent, or returned by the provider), every parameter
    # sent, and the SHA-256 of each reference image, in order.
    api = models.CharField(max_length=8, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    reference_sha256 = models.JSONField(default=list, blank=True)
    openrouter_generation_id = models.CharField("OpenRouter generation id", max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    image_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    model_text = models.TextField("model's text", blank=True)
    credentials_status = models.CharField(
        "Content Credentials", max_length=12, choices=CredentialsStatus, default="", blank=True
    )
    credentials = models.JSONField(
        "Content Credentials summary", default=dict, blank=True, help_text="What the manifest says."
    )
    created_at = models.DateTimeField(default=timezone.now)
    trashed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["-created_at", "-id"], name="image_recent", condition=Q(trashed_at__isnull=True)
            ),
            models.Index(fields=["owner", "-created_at", "-id"], name="image_owner_recent"),
            models.Index(fields=["model_slug", "-created_at", "-id"], name="image_model_recent"),
            models.Index(fields=["aspect_ratio", "-created_at", "-id"], name="image_ratio_recent"),
            models.Index(fields=["trashed_at"], name="image_trashed", condition=Q(trashed_at__isnull=False)),
            models.Index(
                fields=["-created_at", "-id"],
                name="image_credentials_recent",
                condition=Q(credentials_status__in=["present", "unreadable"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Image {self.pk}: {self.prompt[:40]}"

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None

    @property
    def has_content_credentials(self) -> bool:
        return self.credentials_status in (CredentialsStatus.PRESENT, CredentialsStatus.UNREADABLE)


class Favourite(models.Model):
    """A member's star on an image (each member has their own favourites)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "image"], name="one_favourite_per_member")]

    def __str__(self) -> str:
        return f"{self.member} ★ image {self.image_id}"


class Collection(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collections")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    images = models.ManyToManyField(Image, through="CollectionItem", related_name="collections")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="collection_items")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "image"], name="image_once_per_collection")
        ]

    def __str__(self) -> str:
        return f"Image {self.image_id} in collection {self.collection_id}"


class ImageParent(models.Model):
    """One "made from" link of the lineage: `child` was made from `parent`.

    A link always points from a newer image to an older one (the check below), so a family can have no
    cycle. The imagegen app records them when a generation's images are stored (remix, edit with
    reference images, retry); issue 14's "Run again exactly" records RUN_AGAIN the same way
    (gallery.services.image_parents_record). A compare board is a set of images, not a parent: it will
    link images to its board in its own table and need nothing here.
    """

    class Kind(models.TextChoices):
        REMIX = "remix", "remix of"
        EDIT = "edit", "edit of"
        RETRY = "retry", "retry of"
        RUN_AGAIN = "run_again", "run again exactly of"

    child = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="child_links")
    kind = models.CharField(max_length=16, choices=Kind)

    class Meta:
        ordering = ["child", "parent"]
        constraints = [
            models.UniqueConstraint(fields=["child", "parent", "kind"], name="one_link_per_kind"),
            models.CheckConstraint(condition=Q(parent__lt=models.F("child")), name="lineage_points_back"),
        ]

    def __str__(self) -> str:
        return f"Image {self.child_id} is a {self.get_kind_display()} image {self.parent_id}"
