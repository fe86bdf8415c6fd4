from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compare import selectors, services
from compare.forms import CompareForm
from imagegen.selectors import models_selectable

BOARDS_PER_PAGE = 20


def _compare_form(*, data=None, initial=None) -> CompareForm:
    return CompareForm(data, initial=initial or {}, model_list=list(models_selectable()))


def _rerun_initial(request) -> dict:
    """?rerun=<board> opens the form with that board's prompt, settings and models, to change the models."""
    pk = request.GET.get("rerun")
    if not pk or not pk.isdigit():
        return {}
    board = selectors.boards_visible_to(viewer=request.user).filter(pk=pk).first()
    if board is None:
        return {}
    return {
        "prompt": board.prompt,
        "aspect_ratio": board.aspect_ratio,
        "image_size": board.image_size,
        "seed": board.seed,
        "models": [str(pk) for pk in board.cells.order_by("position").values_list("model_id", flat=True)],
        "rerun_of": board.pk,
    }


@require_http_methods(["GET", "POST"])
def compare(request):
    if request.method == "GET":
        form = _compare_form(initial=_rerun_initial(request))
        return render(request, "compare/compare.html", {"form": form})
    form = _compare_form(data=request.POST)
    if form.is_valid():
        rerun_of = None
        if form.cleaned_data.get("rerun_of"):
            rerun_of = (
                selectors.boards_visible_to(viewer=request.user)
                .filter(pk=form.cleaned_data["rerun_of"])
                .first()
            )
        try:
            board = services.board_create(member=request.user, rerun_of=rerun_of, **form.board_fields())
        except services.BoardRefused as refused:
            for message in refused.messages:
                form.add_error(refused.field, message)
        else:
            return redirect("compare:board_detail", board.pk)
    return render(request, "compare/compare.html", {"form": form, "show_errors": True}, status=422)


@require_GET
def compare_settings(request):
    """The shared settings for the models now picked (the union of what they take) and the board's estimate,
    re-rendered when a checkbox or a setting changes."""
    form = _compare_form(data=request.GET)
    return render(request, "compare/compare.html#settings", {"form": form})


def _board_context(request, board) -> dict:
    columns = selectors.board_columns(viewer=request.user, board=board)
    return {
        "board": board,
        "columns": columns,
        "live": selectors.board_is_live(columns),
        "is_maker": _is_maker(request.user, board),
    }


def _is_maker(user, board) -> bool:
    """The board's maker, or staff: who picks its best and shares it."""
    return board.member_id == user.pk or user.is_staff


@require_GET
def board_detail(request, pk):
    board = selectors.board_get(viewer=request.user, pk=pk)
    return render(request, "compare/board.html", _board_context(request, board))


@require_GET
def board_columns(request, pk):
    """The board's columns, polled by the page (one request for every column) until all have finished."""
    board = selectors.board_get(viewer=request.user, pk=pk)
    return render(request, "compare/board.html#columns", _board_context(request, board))


@require_POST
def board_best(request, pk):
    board = selectors.board_get(viewer=request.user, pk=pk)
    cell_id = request.POST.get("cell", "")
    if not cell_id.isdigit() or not board.cells.filter(pk=cell_id).exists():
        return render(request, "compare/board.html#columns", _board_context(request, board), status=400)
    try:
        services.board_best_toggle(board=board, cell_id=int(cell_id), actor=request.user)
    except services.NotYourBoard as refused:
        return HttpResponseForbidden(str(refused))
    except services.BestRefused as refused:
        if request.htmx:
            context = _board_context(request, board) | {"best_refused": str(refused)}
            return render(request, "compare/board.html#columns", context, status=409)
        messages.error(request, str(refused))
        return redirect("compare:board_detail", board.pk)
    if request.htmx:
        return render(request, "compare/board.html#columns", _board_context(request, board))
    messages.success(request, "Saved your pick.")
    return redirect("compare:board_detail", board.pk)


@require_GET
def board_list(request):
    search = request.GET.get("q", "").strip()[:200]
    boards = selectors.board_list(viewer=request.user, search=search)
    page = Paginator(boards, BOARDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "compare/board_list.html", {"page": page, "search": search})
