"""Which password links this browser has unlocked: a signed cookie of each link's own, never the session.

The cookie is scoped to the link's path (/s/<token>/), so it travels only with that link's requests; it
is HttpOnly, SameSite=Lax and, behind HTTPS, Secure. Its value names the link and a keyed fingerprint of
the link's password hash, signed with the secret key: an unlock dies with the link (every request checks
the link first) and when its password changes. Public share views never create or cycle the login
session, so a cross-site form posted to a share link cannot touch a member's sign-in.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from sharing.models import ShareLink

COOKIE_NAME = "share_unlock"
SALT = "sharing.unlock"


def is_unlocked(request, link: ShareLink) -> bool:
    if not link.has_password:
        return True
    try:
        value = request.get_signed_cookie(COOKIE_NAME, salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
    except (KeyError, signing.BadSignature):
        return False
    link_id, _, fingerprint = value.partition(":")
    return link_id == str(link.pk) and constant_time_compare(fingerprint, _fingerprint(link))


def remember_unlock(response, *, link: ShareLink, token: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{link.pk}:{_fingerprint(link)}",
        salt=SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        path=cookie_path(token),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def cookie_path(token: str) -> str:
    return reverse("share:page", kwargs={"token": token})


def _fingerprint(link: ShareLink) -> str:
    return salted_hmac("sharing.unlock", f"{link.pk}:{link.password_hash}", algorithm="sha256").hexdigest()
