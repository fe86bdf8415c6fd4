"""What a share link shows to anyone holding it: no sign-in, and nothing beyond what the link grants.

These views never look at request.user: a signed-in member gets exactly what a stranger gets, so there
is no second path around a link's password or its download switch.
"""

from functools import wraps
from typing import Literal

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator, slugify
from django.views.decorators.csrf import csrf_exempt

from gallery import serving
from sharing import selectors, services, throttles, unlocks
from sharing.forms import UnlockForm
from sharing.models import ShareLink
from sharing.network import client_ip
from sharing.public_responses import (
    downloads_off,
    needs_password,
    not_available,
    too_many_tries,
    try_again_in,
    with_share_headers,
)

LOOKUP_LIMIT_TEXT = "This network has opened too many share links that don't work."
PASSWORD_LIMIT_TEXT = "Too many passwords were tried for this link from your network."
# Shared bytes are revalidated on every use (cheap: ETag), so a revoke holds from the very next request.
SHARED_BYTES_CACHE = "private, no-cache"


def share_view(*, if_locked: Literal["ask", "refuse", "open"], methods: tuple[str, ...] = ("GET", "HEAD")):
    """Open the link named by the URL's token, then call the view with it; every answer gets share headers.

    `if_locked` says what a password link does before it is unlocked in this browser: "ask" sends the
    visitor to the password page, "refuse" answers 403 (for bytes), "open" lets the view decide (only the
    password page itself). Each view must choose, so none can forget the check (immich#29599).
    """

    def decorate(view):
        @login_not_required
        @wraps(view)
        def wrapper(request, token: str, **kwargs):
            if request.method not in methods:
                return with_share_headers(HttpResponseNotAllowed(methods))
            return with_share_headers(_open_link(request, token, view, if_locked, kwargs))

        return wrapper

    return decorate


def _open_link(request, token, view, if_locked, kwargs):
    ip = client_ip(request)
    # Checked before the look-up, so an address over the limit can't confirm a token either.
    blocked = throttles.check(throttles.lookup_failures(), key=ip)
    if not blocked.allowed:
        return too_many_tries(retry_after=blocked.retry_after, text=LOOKUP_LIMIT_TEXT)
    link = selectors.link_for_token(token=token)
    if link is None:
        verdict = throttles.charge(throttles.lookup_failures(), key=ip)
        if not verdict.allowed:
            return too_many_tries(retry_after=verdict.retry_after, text=LOOKUP_LIMIT_TEXT)
        return not_available()
    if if_locked != "open" and not unlocks.is_unlocked(request, link):
        return redirect("share:unlock", token=token) if if_locked == "ask" else needs_password(token=token)
    return view(request, link=link, token=token, **kwargs)


@login_not_required
def unknown_address(request, *args, **kwargs):
    """Any other address below /s/: the same answer as a link that doesn't work."""
    return with_share_headers(not_available())


# --- Pages ----------------------------------------------------------------------------------------------
@share_view(if_locked="ask")
def page(request, *, link: ShareLink, token: str):
    images = list(selectors.link_images(link=link))
    if request.method == "GET":
        services.link_visit_record(
            link=link, ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
        )
    if link.kind == ShareLink.Kind.IMAGE:
        if not images:  # trashed a moment after the look-up
            return not_available()
        return _image_page(request, link=link, token=token, image=images[0])
    cover = images[0] if images else None
    context = {
        "link": link,
        "token": token,
        "collection": link.collection,
        "images": images,
        "title": link.collection.title,
        "open_graph": _open_graph(request, link=link, token=token, image=cover, title=link.collection.title),
    }
    return render(request, "sharing/public/collection.html", context)


@share_view(if_locked="ask")
def item(request, *, link: ShareLink, token: str, image_id: int):
    image = selectors.link_image(link=link, image_id=image_id)
    if image is None:
        return not_available()
    if link.kind == ShareLink.Kind.IMAGE:
        return redirect("share:page", token=token)
    return _image_page(request, link=link, token=token, image=image)


def _image_page(request, *, link: ShareLink, token: str, image):
    title = Truncator(image.prompt).chars(90) if link.show_details else "Shared image"
    context = {
        "link": link,
        "token": token,
        "image": image,
        "title": title,
        "open_graph": _open_graph(request, link=link, token=token, image=image, title=title),
    }
    if link.kind == ShareLink.Kind.COLLECTION:
        previous_id, next_id, position, count = selectors.link_neighbours(link=link, image_id=image.pk)
        context |= {
            "collection": link.collection,
            "previous_id": previous_id,
            "next_id": next_id,
            "position": position,
            "count": count,
        }
    return render(request, "sharing/public/image.html", context)


def _open_graph(request, *, link: ShareLink, token: str, image, title: str) -> dict | None:
    """Tags that let chat apps unfurl the link with its picture; none at all for password links."""
    if link.has_password or image is None:
        return None
    original = reverse("share:original", kwargs={"token": token, "image_id": image.pk})
    return {
        "title": title,
        "url": request.build_absolute_uri(request.path),
        "image": request.build_absolute_uri(original),
        "image_type": image.mime_type,
        "width": image.width,
        "height": image.height,
    }


# No CSRF check here, deliberately. Share pages send `Referrer-Policy: no-referrer`, so browsers send
# `Origin: null` with this form's POST, which Django's CSRF check must refuse. And a forged POST would gain
# nothing: it unlocks only with the right password, and the SameSite=Lax session cookie stays home on a
# cross-site POST, so the unlock would land in a session the victim never uses.
@csrf_exempt
@share_view(if_locked="open", methods=("GET", "HEAD", "POST"))
def unlock(request, *, link: ShareLink, token: str):
    if unlocks.is_unlocked(request, link):  # also true for links without a password
        return redirect("share:page", token=token)
    form = UnlockForm(request.POST if request.method == "POST" else None)
    status, retry_after = 200, 0
    if request.method == "POST" and form.is_valid():
        result = services.link_unlock_attempt(
            link=link, password=form.cleaned_data["password"], ip=client_ip(request)
        )
        if result.unlocked:
            unlocks.remember_unlock(request, link)
            return redirect("share:page", token=token)
        if result.throttled:
            status, retry_after = 429, result.retry_after
            form.add_error(None, f"{PASSWORD_LIMIT_TEXT} {try_again_in(retry_after)}")
        else:
            form.add_error(
                "password", "That password isn't right. Check it with the person who shared the link."
            )
    response = render(request, "sharing/public/unlock.html", {"form": form, "token": token}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- Bytes ----------------------------------------------------------------------------------------------
@share_view(if_locked="refuse")
def original(request, *, link: ShareLink, token: str, image_id: int):
    return _serve_image(request, link=link, image_id=image_id, variant="original")


@share_view(if_locked="refuse")
def thumbnail(request, *, link: ShareLink, token: str, image_id: int):
    return _serve_image(request, link=link, image_id=image_id, variant="thumbnail")


@share_view(if_locked="refuse")
def download(request, *, link: ShareLink, token: str, image_id: int):
    if not link.allow_download:
        return downloads_off()
    return _serve_image(request, link=link, image_id=image_id, variant="download")


def _serve_image(request, *, link: ShareLink, image_id: int, variant: str):
    image = selectors.link_image(link=link, image_id=image_id)
    if image is None:
        return not_available()
    return serving.image_file_response(
        request,
        image=image,
        variant=serving.THUMBNAIL if variant == "thumbnail" else serving.ORIGINAL,
        as_attachment=variant == "download",
        # The prompt names the file only when the link shows the prompt.
        with_prompt=link.show_details,
        cache_control=SHARED_BYTES_CACHE,
    )


@share_view(if_locked="refuse")
def download_zip(request, *, link: ShareLink, token: str):
    if link.kind != ShareLink.Kind.COLLECTION:
        return not_available()
    if not link.allow_download:
        return downloads_off()
    images = list(selectors.link_images(link=link))
    if not images:
        return not_available()
    archive_name = f"{slugify(link.collection.title)[:60].strip('-') or 'collection'}.zip"
    return serving.images_zip_response(images=images, filename=archive_name, with_prompt=link.show_details)
