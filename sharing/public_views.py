"""What a share link shows to anyone holding it: no sign-in, and nothing beyond what the link grants.

These views never look at request.user or the login session: a signed-in member gets exactly what a
stranger gets, so there is no second path around a link's password or its download switch, and nothing
here can create, change or cycle anyone's session (unlocks live in a cookie of their own, see unlocks.py).

With downloads off, a link serves a display copy (gallery.files.make_display_copy) wherever it would
serve the original: the original's bytes never leave through that link.
"""

from functools import wraps
from typing import Literal

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator, slugify
from django.views.decorators.csrf import csrf_exempt

from compare.selectors import board_model_names
from gallery import files, serving
from gallery import services as gallery_services
from sharing import selectors, services, throttles, unlocks
from sharing.forms import UnlockForm
from sharing.models import ShareLink
from sharing.network import client_ip, share_limit_key
from sharing.public_responses import (
    downloads_off,
    needs_password,
    not_available,
    too_many_tries,
    try_again_in,
    with_share_headers,
)

LOOKUP_LIMIT_TEXT = "This network has opened too many share links that don't work."
PASSWORD_LIMIT_TEXT = "Too many wrong passwords were tried for this link from your network."
LINK_PASSWORD_LIMIT_TEXT = (
    "Too many wrong passwords were tried for this link, from many places, so it takes none for a while."
)
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
    # A token that opens a link always gets through (one indexed look-up by its hash), however many bad
    # look-ups came from its network: behind a shared proxy or NAT, one visitor's typos or guesses must
    # not block everyone's links. Only failures count, and only they are refused once over the limit;
    # guessing a 256-bit token stays hopeless either way.
    link = selectors.link_for_token(token=token)
    if link is None:
        verdict = throttles.charge(throttles.lookup_failures(), key=share_limit_key(request))
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
    if link.kind == ShareLink.Kind.BOARD:
        return _board_page(request, link=link, token=token, images=images)
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


def _board_page(request, *, link: ShareLink, token: str, images: list):
    """A shared compare board: its images column by column, each with the model that made it."""
    model_names = board_model_names(board_id=link.board_id)
    title = Truncator(link.board.prompt).chars(90) if link.show_details else "Compare board"
    context = {
        "link": link,
        "token": token,
        "board": link.board,
        "title": title,
        "shown": [(image, model_names.get(image.pk, "")) for image in images],
        "open_graph": _open_graph(
            request, link=link, token=token, image=images[0] if images else None, title=title
        ),
    }
    return render(request, "sharing/public/board.html", context)


def _image_page(request, *, link: ShareLink, token: str, image):
    title = Truncator(image.prompt).chars(90) if link.show_details else "Shared image"
    context = {
        "link": link,
        "token": token,
        "image": image,
        "title": title,
        "open_graph": _open_graph(request, link=link, token=token, image=image, title=title),
    }
    if link.kind != ShareLink.Kind.IMAGE:
        previous_id, next_id, position, count = selectors.link_neighbours(link=link, image_id=image.pk)
        context |= {
            "collection": link.collection,
            "board": link.board,
            "previous_id": previous_id,
            "next_id": next_id,
            "position": position,
            "count": count,
        }
    return render(request, "sharing/public/image.html", context)


def _open_graph(request, *, link: ShareLink, token: str, image, title: str) -> dict | None:
    """Tags that let chat apps unfurl the link with its picture; none at all for password links.

    The picture is the link's own `original` address, so it is whatever that serves: the display copy
    when downloads are off."""
    if link.has_password or image is None:
        return None
    original = reverse("share:original", kwargs={"token": token, "image_id": image.pk})
    if link.allow_download:
        image_type, (width, height) = image.mime_type, (image.width, image.height)
    else:
        image_type, (width, height) = files.DISPLAY_MIME, files.display_size(image.width, image.height)
    return {
        "title": title,
        "url": request.build_absolute_uri(request.path),
        "image": request.build_absolute_uri(original),
        "image_type": image_type,
        "width": width,
        "height": height,
    }


# No CSRF check here, deliberately. Share pages send `Referrer-Policy: no-referrer`, so browsers send
# `Origin: null` with this form's POST, which Django's CSRF check must refuse. And a forged POST gains
# nothing: it unlocks only with the right password, and what it sets is this link's own unlock cookie
# (path /s/<token>/), never the login session, so a member's sign-in is untouched.
@csrf_exempt
@share_view(if_locked="open", methods=("GET", "HEAD", "POST"))
def unlock(request, *, link: ShareLink, token: str):
    if unlocks.is_unlocked(request, link):  # also true for links without a password
        return redirect("share:page", token=token)
    form = UnlockForm(request.POST if request.method == "POST" else None)
    status, retry_after, notice = 200, 0, ""
    if request.method == "POST" and form.is_valid():
        result = services.link_unlock_attempt(
            link=link, password=form.cleaned_data["password"], client_key=share_limit_key(request)
        )
        if result.unlocked:
            response = redirect("share:page", token=token)
            unlocks.remember_unlock(response, link=link, token=token)
            return response
        if result.throttled:
            status, retry_after = 429, result.retry_after
            text = LINK_PASSWORD_LIMIT_TEXT if result.link_wide else PASSWORD_LIMIT_TEXT
            form.add_error(None, f"{text} {try_again_in(retry_after)}")
        else:
            form.add_error(
                "password", "That password isn't right. Check it with the person who shared the link."
            )
    elif request.method != "POST" and (wait := selectors.link_password_wait(link=link)):
        # The link's own limit: say so before anyone types, rather than after.
        status, retry_after = 429, wait
        notice = f"{LINK_PASSWORD_LIMIT_TEXT} {try_again_in(wait)}"
    context = {"form": form, "token": token, "notice": notice}
    response = render(request, "sharing/public/unlock.html", context, status=status)
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
    if variant == "thumbnail":
        served = serving.THUMBNAIL
    elif link.allow_download:
        served = serving.ORIGINAL
    else:
        gallery_services.display_copy_ensure(image=image)
        served = serving.DISPLAY
    return serving.image_file_response(
        request,
        image=image,
        variant=served,
        as_attachment=variant == "download",
        # The prompt names the file only when the link shows the prompt.
        with_prompt=link.show_details,
        cache_control=SHARED_BYTES_CACHE,
    )


@share_view(if_locked="refuse")
def download_zip(request, *, link: ShareLink, token: str):
    if link.kind == ShareLink.Kind.IMAGE:
        return not_available()
    if not link.allow_download:
        return downloads_off()
    images = list(selectors.link_images(link=link))
    if not images:
        return not_available()
    named = link.collection.title if link.collection else ""
    fallback = "collection" if link.collection else "compare-board"
    archive_name = f"{slugify(named)[:60].strip('-') or fallback}.zip"
    return serving.images_zip_response(images=images, filename=archive_name, with_prompt=link.show_details)
