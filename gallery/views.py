"""The gallery's pages. Thin: selectors read and decide who may see what, services write.

Every view needs a signed-in member (LoginRequiredMiddleware); ids a viewer may not see answer 404.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gallery import lineage, markup, selectors, services, serving
from gallery.forms import AddToCollectionForm, CollectionForm, FavouriteForm, GalleryFilterForm, SelectionForm
from gallery.image_board import image_board
from gallery.selectors import GalleryQuery

GRID_MORE_ID = "grid-more"  # the infinite-scroll sentinel; htmx names it in HX-Target
# The grid's partials live in the gallery page; the collection page includes them from there.
GRID_TEMPLATE = "gallery/index.html"
TRASH_LIMIT = 500
SMALL_COLLECTION = 24  # a collection this small shows its filters folded: there is little to narrow
FILTER_LABELS = {
    "q": "Search",
    "model": "Model",
    "member": "Member",
    "ratio": "Ratio",
    "date_from": "From",
    "date_to": "To",
    "favourites": "My favourites",
    "mine": "Mine",
}


# --- URLs that carry a gallery view ----------------------------------------------------------------
def _with_params(url: str, params: dict[str, str]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def grid_url(query: GalleryQuery, **extra: str) -> str:
    """The grid showing `query`: the collection page when it is about one, else the gallery."""
    if query.collection_id:
        base = reverse("gallery:collection_detail", args=[query.collection_id])
        return _with_params(base, {**query.params(with_collection=False), **extra})
    return _with_params(reverse("gallery:index"), {**query.params(), **extra})


def image_url(pk: int, query: GalleryQuery) -> str:
    """An image page that remembers the view it was opened from."""
    return _with_params(reverse("gallery:image_detail", args=[pk]), query.params())


class _UrlsById:
    """reverse() costs tens of µs, and a grid of 60 tiles needs 180 URLs: reverse once, then fill in ids."""

    MARKER = "9876543210"

    def __init__(self, name: str, *args):
        self._template = reverse(name, args=[int(self.MARKER), *args])

    def __call__(self, pk: int) -> str:
        return self._template.replace(self.MARKER, str(pk), 1)


def _prepare_tiles(images):
    """Give each image (or Tile) its URLs, shortened prompt and thumbnail, computed once here.

    The thumbnail's <img> comes from gallery.markup, the measured exception to template partials."""
    detail = _UrlsById("gallery:image_detail")
    thumbnail = _UrlsById("gallery:image_file", serving.THUMBNAIL)
    favourite = _UrlsById("gallery:image_favourite")
    for image in images:
        image.detail_url = detail(image.pk)
        image.thumbnail_url = thumbnail(image.pk)
        image.favourite_url = favourite(image.pk)
        image.prompt_start = _shorten(image.prompt, 90)
        image.thumbnail_html = mark_safe(  # noqa: S308 - gallery.markup escapes every value
            markup.thumbnail_img(
                url=image.thumbnail_url,
                width=image.thumbnail_width,
                height=image.thumbnail_height,
                alt=image.prompt_start,
            )
        )
    return images


def filter_chips(query: GalleryQuery) -> list[dict[str, str]]:
    """The active filters as removable chips: a label and the view's URL without that filter."""
    params = query.params(with_collection=False)
    chips = []
    for name, label in FILTER_LABELS.items():
        if name not in params:
            continue
        value = params[name]
        without = GalleryFilterForm({k: v for k, v in params.items() if k != name}).gallery_query(
            collection_id=query.collection_id
        )
        chips.append({"label": label if value == "1" else f"{label}: {value}", "url": grid_url(without)})
    return chips


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _redirect_back(request, *, fallback: str):
    """To the page the form was on (`next`), if it is one of ours; else to `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{pluralize(n)}"


# --- The grid: the gallery and a collection page ------------------------------------------------------
@require_GET
def index(request):
    return _grid_response(request, template=GRID_TEMPLATE, collection=None)


@require_GET
def collection_detail(request, pk):
    collection = selectors.collection_get_visible(viewer=request.user, pk=pk)
    return _grid_response(request, template="gallery/collection_detail.html", collection=collection)


def _grid_response(request, *, template: str, collection):
    """The full page; for htmx, only the results (new search or filters) or the next page (scrolling)."""
    form = GalleryFilterForm(request.GET)
    query = form.gallery_query(collection_id=collection.pk if collection else None)
    page = selectors.image_page(viewer=request.user, query=query, cursor=form.page_cursor())
    _prepare_tiles(page.tiles)
    for tile in page.tiles:
        tile.can_delete = request.user.is_staff or tile.member == request.user.get_username()
    image_query = _with_params("", query.params())
    current = grid_url(query)
    context = {
        "form": form,
        "query": query,
        "page": page,
        "collection": collection,
        "current_url": current,
        "grid_base": current.split("?")[0],
        "image_query": image_query,
        # Built in Python, not a partial: the measured exception (gallery.markup).
        "tiles_html": markup.tiles(page.tiles, query_suffix=image_query),
        "next_page_url": grid_url(query, cursor=page.next_cursor.encode()) if page.next_cursor else "",
        "filter_chips": filter_chips(query),
    }
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == GRID_MORE_ID:
            response = render(request, f"{GRID_TEMPLATE}#page", context)
        else:
            response = render(request, f"{GRID_TEMPLATE}#results", {**context, "errors_out_of_band": True})
            response["HX-Push-Url"] = current  # the canonical URL, without empty parameters
    else:
        form.offer_choices(models=selectors.model_choices(), members=selectors.member_choices())
        context["collections_for_adding"] = selectors.collections_editable_by(viewer=request.user)
        if collection:
            # Adding a collection's images to itself does nothing: offer the member's other collections.
            context["collections_for_adding"] = context["collections_for_adding"].exclude(pk=collection.pk)
            context["can_edit"] = selectors.collection_can_edit(viewer=request.user, collection=collection)
            context["fold_filters"] = collection.image_count <= SMALL_COLLECTION and not query.narrows
        response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# --- One image ---------------------------------------------------------------------------------------------
@require_GET
def image_detail(request, pk):
    image = selectors.image_get_visible(viewer=request.user, pk=pk)
    # Images stored before Easel read Content Credentials get theirs read once, here.
    image = services.image_credentials_read(image=image)
    query = GalleryFilterForm(request.GET).gallery_query()
    if image.is_trashed:
        previous = following = None
        back_url = reverse("gallery:trash")
    else:
        previous, following = selectors.image_neighbours(viewer=request.user, query=query, image=image)
        back_url = grid_url(query)
    _prepare_tiles([image])
    # The grid's star (gallery.markup), so the favourite swap answers both pages with one button.
    star = markup.star_button(
        url=image.favourite_url,
        is_favourite=selectors.image_is_favourite(viewer=request.user, image=image),
        key_favourite=True,
    )
    made_from_this, made_from_this_count = lineage.image_made_from_this(viewer=request.user, image=image)
    collections = selectors.image_collections(image=image)
    for item in collections:
        item.can_edit = selectors.collection_can_edit(viewer=request.user, collection=item)
    context = {
        "image": image,
        "star": star,
        "query": query,
        "back_url": back_url,
        "current_url": request.get_full_path(),
        "previous_url": image_url(previous, query) if previous else "",
        "next_url": image_url(following, query) if following else "",
        "can_delete": selectors.image_can_delete(viewer=request.user, image=image),
        "collections": collections,
        "collections_for_adding": selectors.collections_editable_by(viewer=request.user),
        "trash_expires_at": _trash_expiry(image.trashed_at) if image.is_trashed else None,
        "latency_seconds": image.latency_ms / 1000 if image.latency_ms is not None else None,
        "made_from": lineage.image_made_from(viewer=request.user, image=image),
        "made_from_this": made_from_this,
        "made_from_this_count": made_from_this_count,
        "board_link": image_board(viewer=request.user, image=image),
    }
    return render(request, "gallery/image_detail.html", context)


@require_GET
def image_lineage(request, pk):
    """The whole family of an image (what it was made from, what was made from it, and so on)."""
    image = selectors.image_get_visible(viewer=request.user, pk=pk)
    family = lineage.image_family(viewer=request.user, image=image)
    context = {
        "image": image,
        "family": family,
        "tree": lineage.family_tree_svg(family=family, current_pk=image.pk),
        "members": lineage.family_list_html(family=family, current_pk=image.pk),
    }
    return render(request, "gallery/lineage.html", context)


@require_GET
def image_file(request, pk, variant):
    """The one way an image's bytes leave the gallery: after the permission check, via gallery.serving."""
    image = selectors.image_get_visible(viewer=request.user, pk=pk)
    return serving.image_file_response(request, image=image, variant=variant)


@require_GET
def image_download(request, pk):
    image = selectors.image_get_visible(viewer=request.user, pk=pk)
    return serving.image_file_response(request, image=image, variant=serving.ORIGINAL, as_attachment=True)


@require_GET
def image_details_json(request, pk):
    image = selectors.image_get_visible(viewer=request.user, pk=pk)
    return serving.recipe_response(image=image, recipe=selectors.image_recipe(image=image))


@require_POST
def image_favourite(request, pk):
    image = selectors.image_get_visible(viewer=request.user, pk=pk, allow_trashed=False)
    form = FavouriteForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Say whether the image is a favourite: favourite=1 or favourite=0.")
    services.favourite_set(member=request.user, image=image, favourite=form.cleaned_data["favourite"])
    if request.htmx:
        url = reverse("gallery:image_favourite", args=[pk])
        key_favourite = request.POST.get("key_favourite") == "1"
        star = markup.star_button(
            url=url, is_favourite=form.cleaned_data["favourite"], key_favourite=key_favourite
        )
        # The swapped fragment is gallery.markup's button, not a page partial: part of the tiles' measured
        # exception, as the grid's 60 stars are built there and this answer must match them.
        return HttpResponse(star)
    return _redirect_back(request, fallback=reverse("gallery:image_detail", args=[pk]))


# --- Several images: the selection on a grid (and single images, from their page) -----------------------
def _selection_done(request, *, notes, fallback: str, undo_ids=(), removed_ids=(), level=messages.SUCCESS):
    """What a selection action did. For htmx, the grid's status line in place (tiles that left the view go
    out of band, so the scroll and the loaded pages stay); otherwise messages, and back to the page."""
    if request.htmx:
        context = {
            "selection_notes": notes,
            "undo_ids": list(undo_ids),
            "removed_ids": list(removed_ids),
            "current_url": request.POST.get("next", ""),
        }
        return render(request, f"{GRID_TEMPLATE}#selection_status", context)
    for note in notes:
        messages.add_message(request, level, note)
    if undo_ids:
        messages.info(request, _undo_form(request, undo_ids))
    return _redirect_back(request, fallback=fallback)


def _undo_form(request, ids) -> str:
    """An "Undo" button that restores what was just deleted, and the way to the trash (a safe message)."""
    return format_html(
        '<form method="post" action="{}" class="inline-form undo-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="next" value="{}">{}'
        '<button type="submit" class="secondary">Undo</button></form> <a href="{}">Open the trash</a>',
        reverse("gallery:selection_restore"),
        get_token(request),
        request.POST.get("next", ""),
        format_html_join("", '<input type="hidden" name="image" value="{}">', ((pk,) for pk in ids)),
        reverse("gallery:trash"),
    )


def _selected_images(request):
    """The gallery images picked in the posted form, or (None, the message saying what was wrong)."""
    form = SelectionForm(request.POST)
    if not form.is_valid():
        return None, _form_errors(form)
    images = selectors.images_selected(viewer=request.user, ids=form.cleaned_data["image"])
    if not images:
        return None, "None of the selected images is in the gallery any more."
    return images, ""


@require_POST
def selection_zip(request):
    images, problem = _selected_images(request)
    if images is None:
        messages.error(request, problem)
        return _redirect_back(request, fallback=reverse("gallery:index"))
    filename = f"easel-{timezone.localdate():%Y-%m-%d}-{len(images)}-images.zip"
    return serving.images_zip_response(images=images, filename=filename)


@require_POST
def selection_trash(request):
    fallback = reverse("gallery:index")
    images, problem = _selected_images(request)
    if images is None:
        return _selection_done(request, notes=[problem], fallback=fallback, level=messages.ERROR)
    mine = [image for image in images if selectors.image_can_delete(viewer=request.user, image=image)]
    trashed = services.image_trash(actor=request.user, images=mine)
    notes = []
    if trashed:
        notes.append(
            f"Moved {_count(len(trashed), 'image')} to the trash. "
            f"You can restore {'them' if len(trashed) > 1 else 'it'} there for {settings.TRASH_DAYS} days."
        )
    if refused := len(images) - len(mine):
        whose = "belongs to another member" if refused == 1 else "belong to other members"
        notes.append(f"{_count(refused, 'image')} {whose} and stayed in the gallery.")
    ids = list(trashed)
    return _selection_done(request, notes=notes, fallback=fallback, undo_ids=ids, removed_ids=ids)


@require_POST
def selection_restore(request):
    form = SelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("gallery:trash")
    images = selectors.images_in_trash(viewer=request.user).filter(pk__in=form.cleaned_data["image"])
    restored = services.image_restore(actor=request.user, images=images)
    note = f"Restored {_count(len(restored), 'image')} to the gallery."
    if request.htmx:
        # The restored tiles come back where they were once the grid is reloaded; say so rather than guess.
        note += " Reload the page to see them in the grid."
    return _selection_done(request, notes=[note], fallback=reverse("gallery:trash"))


@require_POST
def selection_collect(request):
    form = AddToCollectionForm(
        request.POST, collections=selectors.collections_editable_by(viewer=request.user)
    )
    if not form.is_valid():
        return _selection_done(
            request, notes=[_form_errors(form)], fallback=reverse("gallery:index"), level=messages.ERROR
        )
    images = selectors.images_selected(viewer=request.user, ids=form.cleaned_data["image"])
    collection = form.cleaned_data["collection"]
    added = services.collection_add_images(actor=request.user, collection=collection, images=images)
    already = len(images) - added
    note = f" ({_count(already, 'image')} already there)" if already else ""
    return _selection_done(
        request,
        notes=[f"Added {_count(added, 'image')} to “{collection.title}”{note}."],
        fallback=reverse("gallery:collection_detail", args=[collection.pk]),
    )


# --- Trash --------------------------------------------------------------------------------------------------
def _trash_expiry(trashed_at):
    return trashed_at + timezone.timedelta(days=settings.TRASH_DAYS)


@require_GET
def trash(request):
    trashed = (
        selectors.images_in_trash(viewer=request.user).select_related("owner").order_by("-trashed_at", "-id")
    )
    images = _prepare_tiles(list(trashed[: TRASH_LIMIT + 1]))
    for image in images:
        image.expires_at = _trash_expiry(image.trashed_at)
    context = {
        "images": images[:TRASH_LIMIT],
        "more_than_shown": len(images) > TRASH_LIMIT,
        "trash_days": settings.TRASH_DAYS,
    }
    return render(request, "gallery/trash.html", context)


@require_POST
def trash_empty(request):
    purged = services.trash_empty(actor=request.user)
    messages.success(
        request, f"Deleted {_count(purged, 'image')} for good." if purged else "The trash was already empty."
    )
    return redirect("gallery:trash")


# --- Collections ----------------------------------------------------------------------------------------------
@require_GET
def collection_list(request):
    return _collection_list_response(request, form=CollectionForm())


def _collection_list_response(request, *, form, status=200):
    collections = selectors.collections_with_covers(viewer=request.user)
    _prepare_tiles([collection.cover for collection in collections if collection.cover])
    context = {"collections": collections, "form": form}
    return render(request, "gallery/collection_list.html", context, status=status)


@require_POST
def collection_create(request):
    form = CollectionForm(request.POST)
    if not form.is_valid():
        return _collection_list_response(request, form=form, status=400)
    collection = services.collection_create(owner=request.user, **form.cleaned_data)
    messages.success(request, f"Created the collection “{collection.title}”.")
    return redirect("gallery:collection_detail", pk=collection.pk)


def _editable_collection(request, pk):
    collection = selectors.collection_get_visible(viewer=request.user, pk=pk)
    if not selectors.collection_can_edit(viewer=request.user, collection=collection):
        raise PermissionDenied("Only the collection's owner or staff may change it.")
    return collection


@require_http_methods(["GET", "POST"])
def collection_edit(request, pk):
    collection = _editable_collection(request, pk)
    form = CollectionForm(request.POST or None, instance=collection)
    if request.method == "POST" and form.is_valid():
        services.collection_update(actor=request.user, collection=collection, **form.cleaned_data)
        messages.success(request, "Saved the collection.")
        return redirect("gallery:collection_detail", pk=collection.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "gallery/collection_edit.html", {"collection": collection, "form": form}, status=status
    )


@require_POST
def collection_delete(request, pk):
    collection = _editable_collection(request, pk)
    services.collection_delete(actor=request.user, collection=collection)
    messages.success(
        request, f"Deleted the collection “{collection.title}”. Its images are still in the gallery."
    )
    return redirect("gallery:collection_list")


@require_POST
def collection_remove(request, pk):
    collection = _editable_collection(request, pk)
    fallback = reverse("gallery:collection_detail", args=[pk])
    form = SelectionForm(request.POST)
    if not form.is_valid():
        return _selection_done(request, notes=[_form_errors(form)], fallback=fallback, level=messages.ERROR)
    images = list(selectors.images_visible_to(viewer=request.user).filter(pk__in=form.cleaned_data["image"]))
    removed = services.collection_remove_images(actor=request.user, collection=collection, images=images)
    return _selection_done(
        request,
        notes=[f"Removed {_count(removed, 'image')} from “{collection.title}”."],
        fallback=fallback,
        removed_ids=[image.pk for image in images],
    )
