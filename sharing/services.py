"""Writes for share links. Reads live in selectors.py."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compare.models import Board
from core.tokens import new_token, token_hash
from gallery.models import Collection, Image
from sharing import throttles
from sharing.models import ShareLink, ShareVisit, expires_at_for
from sharing.network import truncated_network

VISITS_KEPT = 50
USER_AGENT_KEPT = 200


@dataclass(frozen=True)
class CreatedLink:
    link: ShareLink
    token: str  # shown once, to the member who made the link; never stored


def link_create(
    *,
    created_by,
    target: Image | Collection | Board,
    expiry: str,
    password: str = "",
    allow_download: bool = True,
    show_details: bool = False,
    show_cost: bool = False,
    label: str = "",
    now: datetime | None = None,
) -> CreatedLink:
    """A new link to `target`. Who may share what is the caller's check (selectors.share_target)."""
    now = now or timezone.now()
    token = new_token()
    kind = {Image: ShareLink.Kind.IMAGE, Collection: ShareLink.Kind.COLLECTION, Board: ShareLink.Kind.BOARD}
    link = ShareLink(
        token_hash=token_hash(token),
        kind=kind[type(target)],
        image=target if isinstance(target, Image) else None,
        collection=target if isinstance(target, Collection) else None,
        board=target if isinstance(target, Board) else None,
        created_by=created_by,
        label=label.strip(),
        password_hash=make_password(password) if password else "",
        allow_download=allow_download,
        show_details=show_details,
        show_cost=show_cost,
        created_at=now,
        expires_at=expires_at_for(expiry, now=now),
    )
    link.full_clean()
    link.save()
    return CreatedLink(link=link, token=token)


def link_revoke(*, link: ShareLink, reason: str, now: datetime | None = None) -> bool:
    """End the link for good; True if this call ended it (it may already have been revoked)."""
    now = now or timezone.now()
    revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason[:100]
    )
    link.refresh_from_db(fields=["revoked_at", "revoked_reason"])
    return revoked == 1


class CannotExtend(Exception):
    pass


def link_extend(*, link: ShareLink, expiry: str, now: datetime | None = None) -> ShareLink:
    """Give the link a new expiry counted from now. Revoked or ended links stay ended."""
    now = now or timezone.now()
    status = link.status(now=now)
    if not status.can_extend:
        raise CannotExtend(f"This link is {status.lower()} and can't be extended: create a new link instead.")
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        expires_at=expires_at_for(expiry, now=now)
    )
    link.refresh_from_db(fields=["expires_at", "revoked_at"])
    return link


def links_revoke_for_images(*, image_ids: list[int], reason: str, now: datetime | None = None) -> int:
    """Stop every link to these images, so that restoring an image from the trash doesn't revive them."""
    now = now or timezone.now()
    return ShareLink.objects.filter(
        kind=ShareLink.Kind.IMAGE, image_id__in=image_ids, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_reason=reason)


def links_revoke_for_collection(*, collection_id: int, reason: str, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return ShareLink.objects.filter(collection_id=collection_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )


def link_visit_record(*, link: ShareLink, ip: str, user_agent: str, now: datetime | None = None) -> None:
    """Count a page view and log it, keeping the latest VISITS_KEPT entries.

    The count is an F() update, so simultaneous views never lose one; one transaction, one commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
        ShareVisit.objects.create(
            link=link, visited_at=now, network=truncated_network(ip), user_agent=user_agent[:USER_AGENT_KEPT]
        )
        newest = ShareVisit.objects.filter(link=link).order_by("-id").values("id")[:VISITS_KEPT]
        ShareVisit.objects.filter(link=link).exclude(id__in=newest).delete()


@dataclass(frozen=True)
class UnlockResult:
    unlocked: bool
    retry_after: int = 0  # > 0: too many tries; wait this many seconds
    link_wide: bool = False  # the link's own limit (all addresses together), not this address's

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


def link_unlock_attempt(*, link: ShareLink, password: str, client_key: str) -> UnlockResult:
    """Check a password for a link: first this address's limit, then the link's own (all addresses).

    Each try is charged before the comparison, so parallel guesses can't slip past a limit, and once over
    one even the right password is refused unread until the window ends. A right password is refunded:
    the limits count wrong passwords only. An address already over its own limit is refused before the
    link's limit is charged, so no single address can use up the link's limit for everyone.
    """
    charged = []
    for throttle, key in (
        (throttles.password_attempts(), f"{link.pk}|{client_key}"),
        (throttles.password_attempts_per_link(), str(link.pk)),
    ):
        verdict = throttles.charge(throttle, key=key)
        if not verdict.allowed:
            return UnlockResult(
                unlocked=False,
                retry_after=verdict.retry_after,
                link_wide=throttle.scope == throttles.password_attempts_per_link().scope,
            )
        charged.append((throttle, key, verdict))
    if not check_password(password, link.password_hash):
        return UnlockResult(unlocked=False)
    for throttle, key, verdict in charged:
        throttles.refund(throttle, key=key, charged=verdict)
    return UnlockResult(unlocked=True)
