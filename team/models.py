from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class MemberBudget(models.Model):
    """A member's monthly spending limit, and the row that admission locks for that member.

    Every submission of one member locks this row first (PostgreSQL: SELECT … FOR UPDATE), so their
    concurrent submissions are admitted one after another and each sees the others' reservations.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="budget"
    )
    monthly_limit_usd = models.DecimalField(
        "monthly budget (USD)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message="A budget cannot be negative: use 0 to stop all spending.")],
        help_text="Blank: the team default (EASEL_MONTHLY_BUDGET_USD; unlimited when that is empty too).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "budget"

    def __str__(self) -> str:
        return f"Budget of {self.member}"


class OneTimeLink(models.Model):
    """What invites and password-reset links share: only the SHA-256 of the token is stored (the link is
    shown once), who made it and when, and when it was used; `expires_at` is each link's own."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def state(self, *, now=None) -> str:
        if self.used_at:
            return "used"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "open"


class Invite(OneTimeLink):
    """A single-use sign-up link. Only the SHA-256 of its token is stored; the link is shown once."""

    note = models.CharField(
        max_length=200, blank=True, help_text="Who it is for, so you recognise it in this list."
    )
    expires_at = models.DateTimeField()
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invite",
        editable=False,
    )

    def __str__(self) -> str:
        return f"Invite {self.pk}" + (f" for {self.note}" if self.note else "")


class PasswordReset(OneTimeLink):
    """A one-time link that lets a member set a new password, made by staff in the admin.

    Like an invite: only the SHA-256 of its token is stored and the link is shown once. Using it sets the
    password (which signs the member out everywhere) and uses up every open link for that member."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_resets", editable=False
    )
    expires_at = models.DateTimeField(editable=False)

    class Meta(OneTimeLink.Meta):
        verbose_name = "password-reset link"

    def __str__(self) -> str:
        return f"Password reset for {self.member}"
