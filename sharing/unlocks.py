"""Which password links this browser has unlocked: kept in its session, keyed by link id.

The stored value is a keyed fingerprint of the link's password hash, so an unlock dies with the link
(every request checks the link first) and would also die if the link's password ever changed.
"""

from django.utils.crypto import constant_time_compare, salted_hmac

from sharing.models import ShareLink

SESSION_KEY = "share_unlocks"


def is_unlocked(request, link: ShareLink) -> bool:
    if not link.has_password:
        return True
    remembered = request.session.get(SESSION_KEY, {}).get(str(link.pk), "")
    return constant_time_compare(remembered, _fingerprint(link))


def remember_unlock(request, link: ShareLink) -> None:
    # A new session key after unlocking, as after signing in: a planted session id can't ride along.
    request.session.cycle_key()
    unlocks = dict(request.session.get(SESSION_KEY, {}))
    unlocks[str(link.pk)] = _fingerprint(link)
    request.session[SESSION_KEY] = unlocks


def _fingerprint(link: ShareLink) -> str:
    return salted_hmac("sharing.unlock", f"{link.pk}:{link.password_hash}", algorithm="sha256").hexdigest()
