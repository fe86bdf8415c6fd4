from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
        ]

    def __str__(self) -> str:
        return f"Image {self.pk}: {self.prompt[:40]}"

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None


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
