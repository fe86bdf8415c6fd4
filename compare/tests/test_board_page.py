"""The board page: one column per model, filled through one poll that stops when every column has finished;
each column shows the image, the model, the actual cost, the time taken and the provider, a failure shows
its reason in its own cell, and ignored settings are listed."""

import re

import pytest

from compare import services
from compare.tests.helpers import FLUX, GEMINI_3, KLEIN
from core.money import usd
from gallery.models import Image
from imagegen.models import Generation
from imagegen.services import generation_run

pytestmark = pytest.mark.django_db(transaction=True)


def make_board(member, image_models, prompt, *model_ids, **settings):
    return services.board_create(
        member=member, models=[image_models[m] for m in model_ids], prompt=prompt, **settings
    )


def columns_of(page: str) -> list[str]:
    return re.findall(r'<section class="board-cell.*?</section>', page, re.S)


def test_a_board_polls_once_for_every_column_until_all_have_finished(
    member, member_client, image_models, tag
):
    board = make_board(
        member, image_models, f"a red kite {tag} [fault:400-once]", FLUX, KLEIN, GEMINI_3, image_size="2K"
    )
    cells = list(board.cells.select_related("model", "generation"))

    page = member_client.get(f"/compare/boards/{board.pk}/").content.decode()
    assert page.count('hx-trigger="load delay:1s"') == 1
    assert f'hx-get="/compare/boards/{board.pk}/columns"' in page
    assert [name in page for name in (c.model.name for c in cells)] == [True] * 3
    assert len(columns_of(page)) == 3
    assert "Ignored: 2K" in columns_of(page)[[c.model.openrouter_id for c in cells].index(KLEIN)]

    for cell in cells:  # in order: the first one the stand-in sees fails (the prompt's "-once" fault)
        generation_run(generation_id=cell.generation_id)

    answer = member_client.get(f"/compare/boards/{board.pk}/columns", HTTP_HX_REQUEST="true")
    fragment = answer.content.decode()
    assert answer.status_code == 200
    assert fragment.lstrip().startswith('<div id="board-columns"')
    assert "hx-trigger" not in fragment  # every column has finished: the polling stops
    failed, *made = columns_of(fragment)
    first = cells[0].generation
    first.refresh_from_db()
    assert first.status == Generation.Status.FAILED
    assert "board-cell-failed" in failed
    assert f"Failed: {first.error_message}" in failed
    assert first.error_message
    for column, cell in zip(made, cells[1:], strict=True):
        image = Image.objects.get(generation_id=cell.generation_id)
        generation = Generation.objects.get(pk=cell.generation_id)
        assert f'src="/gallery/images/{image.pk}/thumbnail"' in column
        assert cell.model.name in column
        assert f'<dd data-fact="cost">{usd(generation.cost_usd, price=True)}</dd>' in column
        assert generation.cost_usd > 0
        assert re.search(r'<dd data-fact="time">\d+\.\d s</dd>', column)
        assert f'<dd data-fact="provider">{image.provider}</dd>' in column
        assert image.provider


def test_a_board_is_its_makers_only(member, other_member, other_client, staff_client, image_models):
    board = make_board(member, image_models, "a kite", FLUX, KLEIN)

    assert other_client.get(f"/compare/boards/{board.pk}/").status_code == 404
    assert other_client.get(f"/compare/boards/{board.pk}/columns").status_code == 404
    assert staff_client.get(f"/compare/boards/{board.pk}/").status_code == 200
