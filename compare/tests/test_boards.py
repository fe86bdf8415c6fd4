"""Kept boards: the list (newest first, searchable by prompt, paginated), a re-run with other models from a
prefilled Compare form, "Best" (one per board, a toggle, the maker's call) and the team dashboard's
per-model statistics of it."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compare import services
from compare.models import Board, BoardCell
from compare.tests.helpers import FLUX, GEMINI, GPT_IMAGE, KLEIN, latest_board, post_board
from compare.views import BOARDS_PER_PAGE
from imagegen.models import Generation

pytestmark = pytest.mark.django_db


def board_of(member, image_models, prompt, *model_ids, **settings) -> Board:
    return services.board_create(
        member=member, models=[image_models[m] for m in model_ids], prompt=prompt, **settings
    )


def finish(cell: BoardCell, *, cost: str, seconds: float, failed: bool = False) -> None:
    started = timezone.now() - timedelta(minutes=1)
    Generation.objects.filter(pk=cell.generation_id).update(
        status=Generation.Status.FAILED if failed else Generation.Status.SUCCEEDED,
        cost_usd=Decimal(cost),
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
    )


def listed_prompts(page: str) -> list[str]:
    return re.findall(r'<a href="/compare/boards/\d+/">([^<]*)</a>', page)


def test_the_list_is_newest_first_searchable_and_paginated(member, other_member, member_client):
    now = timezone.now()
    for number in range(BOARDS_PER_PAGE + 1):
        Board.objects.create(
            member=member, prompt=f"board {number} of a harbour", created_at=now - timedelta(minutes=number)
        )
    Board.objects.create(member=member, prompt="a windmill at noon", created_at=now - timedelta(days=1))
    Board.objects.create(member=other_member, prompt="someone else's windmill")

    first = member_client.get("/compare/boards/").content.decode()
    assert listed_prompts(first)[:2] == ["board 0 of a harbour", "board 1 of a harbour"]
    assert len(listed_prompts(first)) == BOARDS_PER_PAGE
    assert "Page 1 of 2" in first
    second = member_client.get("/compare/boards/", {"page": 2}).content.decode()
    assert listed_prompts(second) == ["board 20 of a harbour", "a windmill at noon"]

    found = member_client.get("/compare/boards/", {"q": "WINDMILL"}).content.decode()
    assert listed_prompts(found) == ["a windmill at noon"]  # not another member's board
    nothing = member_client.get("/compare/boards/", {"q": "lighthouse"}).content.decode()
    assert "No board’s prompt has “lighthouse”" in nothing


def test_a_board_runs_again_with_other_models_from_a_prefilled_form(member, member_client, image_models):
    board = board_of(member, image_models, "a kite over hills", FLUX, KLEIN, aspect_ratio="16:9", seed=42)

    form = member_client.get("/compare/", {"rerun": board.pk}).content.decode()
    assert "a kite over hills</textarea>" in form
    assert f'<input type="hidden" name="rerun_of" value="{board.pk}">' in form
    for model_id, picked in ((FLUX, True), (KLEIN, True), (GEMINI, False)):
        checkbox = f'name="models" value="{image_models[model_id].pk}"{" checked" if picked else ""}>'
        assert checkbox in form
    assert '<option value="16:9" selected>' in form
    assert 'value="42"' in form

    response = post_board(
        member_client,
        image_models,
        "a kite over hills",
        FLUX,
        GEMINI,
        aspect_ratio="16:9",
        seed="42",
        rerun_of=board.pk,
    )

    again = latest_board()
    assert response.status_code == 302
    assert again.pk != board.pk
    assert again.rerun_of == board
    assert {c.model.openrouter_id for c in again.cells.select_related("model")} == {FLUX, GEMINI}


def test_best_is_one_per_board_and_a_toggle(member, member_client, image_models):
    board = board_of(member, image_models, "a kite", FLUX, KLEIN, GEMINI)
    flux, klein, _gemini = (board.cells.get(model=image_models[m]) for m in (FLUX, KLEIN, GEMINI))
    for cell in board.cells.all():
        finish(cell, cost="0.03", seconds=2)

    def best(cell):
        return member_client.post(
            f"/compare/boards/{board.pk}/best", {"cell": cell.pk}, HTTP_HX_REQUEST="true"
        )

    answer = best(flux)
    assert answer.status_code == 200
    assert 'id="board-columns"' in answer.content.decode()
    assert list(board.cells.filter(is_best=True)) == [flux]
    best(klein)
    assert list(board.cells.filter(is_best=True)) == [klein]  # one best per board
    page = member_client.get(f"/compare/boards/{board.pk}/").content.decode()
    assert page.count("board-cell-best") == 1
    assert 'aria-pressed="true">Unmark best' in page
    best(klein)
    assert not board.cells.filter(is_best=True).exists()  # toggled off


def test_a_column_that_made_no_image_cannot_be_the_best(member, member_client, image_models):
    board = board_of(member, image_models, "a kite", FLUX, KLEIN)
    done, failed = board.cells.order_by("position")
    finish(done, cost="0.03", seconds=2)
    finish(failed, cost="0", seconds=1, failed=True)

    answer = member_client.post(
        f"/compare/boards/{board.pk}/best", {"cell": failed.pk}, HTTP_HX_REQUEST="true"
    )

    assert answer.status_code == 409
    assert "Only a column that made its image can be the best." in answer.content.decode()
    assert not board.cells.filter(is_best=True).exists()


def test_only_the_maker_picks_the_best(member, other_member, other_client, image_models):
    board = board_of(member, image_models, "a kite", FLUX, KLEIN)
    cell = board.cells.first()

    assert other_client.post(f"/compare/boards/{board.pk}/best", {"cell": cell.pk}).status_code == 404
    assert not board.cells.filter(is_best=True).exists()
    with pytest.raises(services.NotYourBoard):
        services.board_best_toggle(board=board, cell_id=cell.pk, actor=other_member)


def test_the_dashboard_shows_times_picked_best_average_cost_and_time_per_model(
    member, staff_client, image_models, settings
):
    settings.MAX_SUBMISSIONS_PER_MINUTE = 100
    costs = {FLUX: ("0.03", "0.05"), KLEIN: ("0.01", "0.02")}
    seconds = {FLUX: (2, 4), KLEIN: (1, 2)}
    for run in range(2):
        board = board_of(member, image_models, f"a kite {run}", FLUX, KLEIN)
        for model_id in (FLUX, KLEIN):
            finish(
                board.cells.get(model=image_models[model_id]),
                cost=costs[model_id][run],
                seconds=seconds[model_id][run],
            )
        BoardCell.objects.filter(board=board, model=image_models[FLUX]).update(is_best=True)
    failed = board_of(member, image_models, "a failed kite", KLEIN, GPT_IMAGE)
    for cell in failed.cells.all():
        finish(cell, cost="0", seconds=9, failed=True)

    page = staff_client.get("/team/").content.decode()

    def row(model_id):
        match = re.search(
            rf'<tr data-model="{re.escape(image_models[model_id].name)}">.*?</tr>',
            page.split('id="best-heading"')[1],
            re.S,
        )
        return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', match.group(0)))

    assert row(FLUX) == {"boards": "2", "best": "2", "average-cost": "$0.04", "average-time": "3.0 s"}
    assert row(KLEIN) == {"boards": "3", "best": "0", "average-cost": "$0.015", "average-time": "1.5 s"}
    assert row(GPT_IMAGE) == {"boards": "1", "best": "0", "average-cost": "—", "average-time": "—"}


def test_staff_see_boards_in_the_admin_and_change_nothing_there(member, staff_client, image_models):
    board = board_of(member, image_models, "a kite in the admin", FLUX, KLEIN)

    assert "a kite in the admin" in staff_client.get("/admin/compare/board/").content.decode()
    page = staff_client.get(f"/admin/compare/board/{board.pk}/change/")
    assert page.status_code == 200
    assert image_models[FLUX].name in page.content.decode()
    assert (
        staff_client.post(f"/admin/compare/board/{board.pk}/change/", {"prompt": "changed"}).status_code
        == 403
    )
    board.refresh_from_db()
    assert board.prompt == "a kite in the admin"
