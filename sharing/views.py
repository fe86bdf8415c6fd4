"""Members' pages: make a share link, see your links and their visits, revoke or extend them."""

import base64
from datetime import timedelta

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from compare.models import Board
from gallery import files, serving
from gallery.models import Collection
from sharing import selectors, services
from sharing.forms import ExtendForm, ShareLinkForm
from sharing.models import ShareLink
from sharing.selectors import CannotShare

LINKS_PER_PAGE = 50


@require_http_methods(["GET", "HEAD", "POST"])
def create(request):
    try:
        target = selectors.share_target(
            member=request.user,
            image_id=request.GET.get("image"),
            collection_id=request.GET.get("collection"),
            board_id=request.GET.get("board"),
        )
    except CannotShare as problem:
        return render(
            request, "sharing/cannot_share.html", {"message": problem.message}, status=problem.status
        )
    form = ShareLinkForm(request.POST if request.method == "POST" else None)
    is_collection = isinstance(target, Collection)
    context = {
        "form": form,
        "target": target,
        "is_collection": is_collection,
        "is_board": isinstance(target, Board),
        "preview": _preview_data_uri(target, member=request.user),
        "counts": selectors.collection_share_counts(member=request.user, collection=target)
        if is_collection
        else None,
    }
    if request.method == "POST" and form.is_valid():
        created = services.link_create(created_by=request.user, target=target, **form.cleaned_data)
        share_url = request.build_absolute_uri(reverse("share:page", kwargs={"token": created.token}))
        context |= {"link": created.link, "share_url": share_url, "qr_code": _qr_data_uri(share_url)}
    response = render(request, "sharing/create.html", context)
    # The answer shows the token, which exists nowhere else: keep it out of every cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def link_list(request):
    links = selectors.links_for_member(member=request.user, with_preview=True)
    page = Paginator(links, LINKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "links": page.object_list, "extend_form": ExtendForm()}
    return render(request, "sharing/link_list.html", context)


@require_safe
def link_detail(request, pk: int):
    link = _member_link_or_404(request, pk)
    password_wait = selectors.link_password_wait(link=link)
    context = {
        "link": link,
        "password_wait": password_wait,
        "password_wait_until": timezone.now() + timedelta(seconds=password_wait),
        "counts": selectors.collection_share_counts(member=link.created_by, collection=link.collection)
        if link.collection
        else None,
        "visits": selectors.link_recent_visits(link=link),
        "visits_kept": services.VISITS_KEPT,
        "extend_form": ExtendForm(),
        "preview_image": selectors.link_preview_image(link=link),
    }
    return render(request, "sharing/link_detail.html", context)


@require_POST
def revoke(request, pk: int):
    link = _member_link_or_404(request, pk)
    if services.link_revoke(link=link, reason=f"Revoked by {request.user.get_username()}"):
        messages.success(request, f"“{_describe(link)}” is revoked: the link stopped working just now.")
    else:
        messages.info(request, f"“{_describe(link)}” was already revoked.")
    return redirect(_back_to(request))


@require_POST
def extend(request, pk: int):
    link = _member_link_or_404(request, pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["expiry"][0])
        return redirect(_back_to(request))
    try:
        link = services.link_extend(link=link, expiry=form.cleaned_data["expiry"])
    except services.CannotExtend as problem:
        messages.error(request, str(problem))
    else:
        until = (
            date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT") if link.expires_at else None
        )
        messages.success(
            request,
            f"“{_describe(link)}” now works until {until}."
            if until
            else f"“{_describe(link)}” never expires now.",
        )
    return redirect(_back_to(request))


@require_safe
def link_thumbnail(request, pk: int):
    link = _member_link_or_404(request, pk)
    image = selectors.link_preview_image(link=link)
    if image is None:
        raise Http404("This link's image or collection is gone.")
    return serving.file_response(
        request,
        name=image.thumbnail_name,
        content_type=files.THUMBNAIL_MIME,
        etag=f"{image.sha256}-thumbnail",
        filename=f"link-{link.pk}.webp",
        cache_control="private, no-cache",  # a collection's picture changes as images come and go
    )


def _member_link_or_404(request, pk: int) -> ShareLink:
    link = selectors.link_for_member(member=request.user, pk=pk)
    if link is None:
        raise Http404("You have no share link with this number.")
    return link


def _back_to(request) -> str:
    """The page the form came from (the list or a link's page), never somewhere off-site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("sharing:link_list")


def _describe(link: ShareLink) -> str:
    target_name = link.collection.title if link.collection else (link.board.prompt[:60] if link.board else "")
    return link.label or target_name or f"Link {link.pk}"


def _preview_data_uri(target, *, member) -> str:
    """The target's thumbnail inlined in the page, so the form needs no other file URL."""
    image = selectors.target_preview_image(member=member, target=target)
    if image is None:
        return ""
    return "data:image/webp;base64," + base64.b64encode(files.read_file(name=image.thumbnail_name)).decode()


def _qr_data_uri(url: str) -> str:
    # A white background and quiet zone keep it scannable on dark themes too.
    return segno.make(url, error="m").svg_data_uri(scale=5, dark="#000", light="#fff", border=4)
